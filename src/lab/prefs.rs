//! What the page remembers between visits: slow motion on or off, large font, the dock's
//! tab, the settings groups a person closed, the kind of moment "step" goes to and
//! whether the first-visit start screen was answered. Kept
//! as one short line of text (`slowmo=1;font=0;tab=model;closed=workload,link;step=chunk`)
//! that the shell stores in the browser's local storage; what the run is lives in the URL,
//! not here.
//!
//! Reading is forgiving: an unknown or broken entry is skipped and its default kept, so an
//! old or hand-edited line never stops the page.

use std::collections::BTreeSet;

use super::stepping::StepKind;

/// The dock beside the pipeline: one tab shows at a time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DockTab {
    #[default]
    Inspector,
    Model,
    Metrics,
    WhatIf,
    Branches,
    /// Bring your own Flink job: calibrate from its REST answers, compare, export.
    Flink,
    Settings,
}

impl DockTab {
    pub const ALL: [DockTab; 7] = [
        DockTab::Inspector,
        DockTab::Model,
        DockTab::Metrics,
        DockTab::WhatIf,
        DockTab::Branches,
        DockTab::Flink,
        DockTab::Settings,
    ];

    pub fn id(self) -> &'static str {
        match self {
            DockTab::Inspector => "inspector",
            DockTab::Model => "model",
            DockTab::Metrics => "metrics",
            DockTab::WhatIf => "what-if",
            DockTab::Branches => "branches",
            DockTab::Flink => "flink",
            DockTab::Settings => "settings",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DockTab::Inspector => "Inspect",
            DockTab::Model => "Model",
            DockTab::Metrics => "Metrics",
            DockTab::WhatIf => "What if",
            DockTab::Branches => "Branches",
            DockTab::Flink => "Your job",
            DockTab::Settings => "Settings",
        }
    }

    pub fn from_id(id: &str) -> Option<DockTab> {
        DockTab::ALL.into_iter().find(|t| t.id() == id)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prefs {
    pub slow_motion: bool,
    pub large_font: bool,
    pub tab: DockTab,
    /// Settings groups the person closed (all start open).
    pub closed_groups: BTreeSet<String>,
    pub step_kind: StepKind,
    /// The first-visit start screen was answered ("Start here" or "Just explore").
    pub intro_seen: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Self {
            slow_motion: true,
            large_font: false,
            tab: DockTab::default(),
            closed_groups: BTreeSet::new(),
            step_kind: StepKind::default(),
            intro_seen: false,
        }
    }
}

impl Prefs {
    pub fn parse(text: &str) -> Prefs {
        let mut prefs = Prefs::default();
        for entry in text.split(';') {
            let Some((key, value)) = entry.split_once('=') else {
                continue;
            };
            let flag = match value.trim() {
                "1" => Some(true),
                "0" => Some(false),
                _ => None,
            };
            match (key.trim(), flag) {
                ("slowmo", Some(on)) => prefs.slow_motion = on,
                ("font", Some(on)) => prefs.large_font = on,
                ("tab", _) => {
                    if let Some(tab) = DockTab::from_id(value.trim()) {
                        prefs.tab = tab;
                    }
                }
                ("closed", _) => {
                    prefs.closed_groups = value
                        .split(',')
                        .map(str::trim)
                        .filter(|g| {
                            !g.is_empty()
                                && g.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                        })
                        .map(str::to_string)
                        .collect();
                }
                ("intro", Some(seen)) => prefs.intro_seen = seen,
                ("step", _) => {
                    if let Some(kind) = StepKind::from_id(value.trim()) {
                        prefs.step_kind = kind;
                    }
                }
                _ => {}
            }
        }
        prefs
    }

    pub fn to_text(&self) -> String {
        let closed: Vec<&str> = self.closed_groups.iter().map(String::as_str).collect();
        let mut text = format!(
            "slowmo={};font={};tab={};closed={};step={}",
            u8::from(self.slow_motion),
            u8::from(self.large_font),
            self.tab.id(),
            closed.join(","),
            self.step_kind.id()
        );
        if self.intro_seen {
            text.push_str(";intro=1");
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefs_round_trip_and_default_when_empty() {
        assert_eq!(Prefs::parse(""), Prefs::default());
        let prefs = Prefs {
            slow_motion: false,
            large_font: true,
            tab: DockTab::Settings,
            closed_groups: ["workload".to_string(), "link".to_string()].into(),
            step_kind: StepKind::ChunkAcknowledged,
            intro_seen: false,
        };
        assert_eq!(Prefs::parse(&prefs.to_text()), prefs);
        assert_eq!(
            prefs.to_text(),
            "slowmo=0;font=1;tab=settings;closed=link,workload;step=chunk"
        );
        let seen = Prefs {
            intro_seen: true,
            ..prefs
        };
        assert_eq!(Prefs::parse(&seen.to_text()), seen);
        assert!(seen.to_text().ends_with(";intro=1"));
        assert!(Prefs::parse("intro=1").intro_seen);
    }

    #[test]
    fn broken_entries_keep_their_defaults() {
        let prefs = Prefs::parse("slowmo=maybe;tab=nowhere;step=?;closed=a b,ok;junk;font=1");
        assert!(prefs.slow_motion);
        assert_eq!(prefs.tab, DockTab::Inspector);
        assert_eq!(prefs.step_kind, StepKind::Event);
        assert_eq!(prefs.closed_groups, ["ok".to_string()].into());
        assert!(prefs.large_font);
        for tab in DockTab::ALL {
            assert_eq!(DockTab::from_id(tab.id()), Some(tab));
        }
    }
}

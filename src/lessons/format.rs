//! The shape of a lesson file: a lesson is a list of steps; a step has a title, a short
//! narration, an optional setup, an optional run-until, callouts, facts, and optionally a
//! prediction or a "try it". `catalog.rs` reads and checks files of this shape; the
//! module docs of `lessons` describe the format with an example.

use super::action::Action;
use super::anchor::Anchor;
use super::condition::Condition;
use super::prediction::Prediction;
use super::probe::Probe;
use super::try_it::TryIt;
use crate::engine::faults::ScheduledFault;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A lesson, read and checked.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Lesson {
    /// The id in deep links: `?lesson=where-a-key-goes`.
    pub id: String,
    /// The file it was read from (`lessons/01-where-a-key-goes.json`), for messages.
    pub file: String,
    pub title: String,
    /// One or two sentences for the lesson picker and the start screen.
    pub summary: String,
    /// Partial config every new run of the lesson starts from (merged onto the defaults);
    /// a step's own `setup.config` is merged onto it.
    pub base_config: Value,
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub title: String,
    /// Two or three short sentences, shown from the start of the step.
    pub narration: String,
    /// Omitted: continue from where the previous step ended.
    #[serde(default)]
    pub setup: Option<Setup>,
    /// Omitted: nothing runs; the step shows the run as it stands.
    #[serde(default)]
    pub run: Option<Run>,
    #[serde(default)]
    pub callouts: Vec<Callout>,
    /// Named probes read when the run ends, for `after` and the explanation:
    /// `{"cp": {"checkpoint": 2}}` gives `{cp.shipped}`, `{cp.data_size:bytes}`.
    #[serde(default)]
    pub facts: BTreeMap<String, Probe>,
    /// Template shown once the run has ended, with the run's numbers.
    #[serde(default)]
    pub after: Option<String>,
    #[serde(default)]
    pub predict: Option<Prediction>,
    #[serde(default)]
    pub try_it: Option<TryIt>,
}

impl Step {
    /// Whether the step starts a new run (rather than continuing the previous step's).
    pub fn starts_run(&self) -> bool {
        self.setup.as_ref().is_some_and(|s| s.config.is_some())
    }

    /// Suggested speed in virtual seconds per wall second while it runs.
    pub fn pace(&self) -> f64 {
        self.run.as_ref().map_or(1.0, |r| r.pace)
    }

    /// The actions its setup applies when the step begins.
    pub fn setup_actions(&self) -> &[Action] {
        self.setup.as_ref().map_or(&[], |s| &s.actions)
    }
}

/// How a step begins: a new run (`config`, with `seed` and `faults`) or `"continue": true`
/// from the previous step's end; then `actions`, in order, in the same instant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    /// Partial config merged onto the lesson's `base_config` and the defaults.
    #[serde(default)]
    pub config: Option<Value>,
    #[serde(default)]
    pub seed: Option<u64>,
    /// Scheduled faults of the new run (`at_ms` from the run's start).
    #[serde(default)]
    pub faults: Option<Vec<ScheduledFault>>,
    #[serde(default, rename = "continue")]
    pub continue_run: bool,
    #[serde(default)]
    pub actions: Vec<Action>,
}

/// What a step runs until, within what bound, at what pace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Run {
    pub until: Condition,
    /// For event conditions: how many matching events (default 1).
    #[serde(default)]
    pub times: Option<u32>,
    /// For event conditions: virtual seconds after which the step ends anyway.
    #[serde(default)]
    pub within_s: Option<f64>,
    /// The bound passing first is the point of the step (the tests accept a timeout).
    #[serde(default)]
    pub may_time_out: bool,
    /// Suggested speed while it runs: virtual seconds per wall second.
    pub pace: f64,
}

/// Text pinned to a thing in the picture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Callout {
    pub anchor: Anchor,
    pub text: String,
    #[serde(default)]
    pub show: Show,
}

/// When a callout is drawn (always only while its anchor exists).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Show {
    /// From the start of the step.
    Start,
    /// While the run plays (for things that pass by: a barrier, a chunk on the link).
    Running,
    /// Once the run has stopped, beside the thing the step is about.
    #[default]
    End,
}

//! The compare view's side-by-side picture, without a DOM: the compared branch as a
//! [`LabView`] the pipeline's own scene code draws (smaller, beside the shown one),
//! compact lanes of both branches for narrow screens, and both branches' series overlaid
//! on shared axes from their fork.

use std::rc::Rc;

use crate::engine::report::format;
use crate::engine::report::metrics::Sample;
use crate::engine::report::stats::{CheckpointStats, CheckpointStatus, JobStatus};
use crate::engine::report::view::SimView;

use super::lesson::view::LessonsView;
use super::travel::CompanionView;
use super::view::LabView;

/// The compared branch as a picture for the same drawing code: the page's picture with
/// the run's parts taken from `companion`, nothing selected, no lesson's callouts.
pub fn companion_lab_view(main: &LabView, companion: &CompanionView) -> LabView {
    let p = &companion.picture;
    LabView {
        config: p.config.clone(),
        view: p.view.clone(),
        history: p.history.clone(),
        events: p.events.clone(),
        samples: p.samples.clone(),
        emitted: p.emitted.clone(),
        dot_stride: p.dot_stride,
        corrupted: p.corrupted.clone(),
        generation: p.generation,
        selection: None,
        inspection: None,
        spotlight: None,
        moment: None,
        lessons: Rc::new(LessonsView::default()),
        ..main.clone()
    }
}

/// One branch as a compact lane: its state in words and a few figures as bars, each
/// against the larger of the two branches.
#[derive(Clone, Debug, PartialEq)]
pub struct Lane {
    pub name: String,
    pub status: String,
    pub bars: Vec<LaneBar>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LaneBar {
    pub label: &'static str,
    pub text: String,
    /// Its length, 0 … 1 of the larger of the two.
    pub fraction: f64,
    /// The two branches' figures differ.
    pub differs: bool,
}

/// The figures a lane shows, read from a picture.
fn figures(
    view: &SimView,
    history: &[CheckpointStats],
    samples: &[Sample],
) -> [(&'static str, u64); 3] {
    let last = history
        .iter()
        .rev()
        .find(|h| h.status == CheckpointStatus::Completed);
    [
        (
            "state",
            view.key_groups.iter().map(|k| k.raw_bytes).sum::<u64>(),
        ),
        (
            "last checkpoint",
            last.map_or(0, |h| h.checkpointed_data_size),
        ),
        (
            "acknowledged",
            samples.last().map_or(0, |s| s.shipped_encoded_total),
        ),
    ]
}

fn status(view: &SimView) -> String {
    match &view.status {
        JobStatus::Running => "running".into(),
        JobStatus::Restarting { .. } => "restarting".into(),
        JobStatus::Restoring {
            chunks_total,
            chunks_done,
            ..
        } => format!("restoring {chunks_done}/{chunks_total}"),
    }
}

/// A branch's side of the lanes: its name, picture, checkpoint history and samples.
pub type LaneOf<'a> = (&'a str, &'a SimView, &'a [CheckpointStats], &'a [Sample]);

/// Both branches as lanes.
pub fn lanes(a: LaneOf, b: LaneOf) -> [Lane; 2] {
    let (fa, fb) = (figures(a.1, a.2, a.3), figures(b.1, b.2, b.3));
    let lane = |name: &str, view: &SimView, mine: &[(&'static str, u64); 3]| Lane {
        name: name.to_string(),
        status: status(view),
        bars: mine
            .iter()
            .zip(fa.iter().zip(&fb))
            .map(|((label, v), ((_, x), (_, y)))| LaneBar {
                label,
                text: format::bytes(*v),
                fraction: if *x.max(y) == 0 {
                    0.0
                } else {
                    *v as f64 / *x.max(y) as f64
                },
                differs: x != y,
            })
            .collect(),
    };
    [lane(a.0, a.1, &fa), lane(b.0, b.1, &fb)]
}

/// Two branches' series on shared axes: points in a unit box (x from the fork to the
/// moment, y from 0 to the larger maximum), for a chart to scale.
#[derive(Clone, Debug, PartialEq)]
pub struct Overlay {
    pub label: &'static str,
    pub from_us: u64,
    pub to_us: u64,
    /// The top of the y axis, in the series' unit (bytes).
    pub y_max: f64,
    pub a: Vec<(f64, f64)>,
    pub b: Vec<(f64, f64)>,
    /// The first sample at which the two series part, if they do (0 … 1 on x).
    pub parts_at: Option<f64>,
}

/// A series read from each sample.
pub type Series = fn(&Sample) -> f64;

/// The series each overlay shows: what a codec, a policy or a crash changes.
pub const OVERLAID: [(&str, Series); 2] = [
    ("bytes acknowledged", |s| s.shipped_encoded_total as f64),
    ("state size", |s| s.state_bytes as f64),
];

/// `series` of both sample lists between `from_us` and `to_us`, overlaid.
pub fn overlay(
    label: &'static str,
    series: Series,
    a: &[Sample],
    b: &[Sample],
    from_us: u64,
    to_us: u64,
) -> Overlay {
    let span = to_us.saturating_sub(from_us).max(1) as f64;
    let pick = |samples: &[Sample]| -> Vec<(u64, f64)> {
        samples
            .iter()
            .filter(|s| s.at_us >= from_us && s.at_us <= to_us)
            .map(|s| (s.at_us, series(s)))
            .collect()
    };
    let (pa, pb) = (pick(a), pick(b));
    let y_max = pa
        .iter()
        .chain(&pb)
        .map(|(_, y)| *y)
        .fold(0.0_f64, f64::max)
        .max(1.0);
    // A chart a few hundred pixels wide shows no more than this many points, and the
    // overlay is rebuilt for every picture (a 10-minute run has 6,000 samples a series):
    // each run of samples keeps its lowest and highest, in time order, so a short dip
    // (a crash's lost state) still shows.
    const MAX_POINTS: usize = 400;
    let unit = |points: &[(u64, f64)]| -> Vec<(f64, f64)> {
        let per = points.len().div_ceil(MAX_POINTS / 2).max(1);
        let mut kept = Vec::with_capacity(MAX_POINTS);
        for run in points.chunks(per) {
            let low = run.iter().min_by(|a, b| a.1.total_cmp(&b.1));
            let high = run.iter().max_by(|a, b| a.1.total_cmp(&b.1));
            if let (Some(low), Some(high)) = (low, high) {
                let (first, second) = if low.0 <= high.0 {
                    (low, high)
                } else {
                    (high, low)
                };
                kept.push(*first);
                if second != first {
                    kept.push(*second);
                }
            }
        }
        kept.iter()
            .map(|(t, y)| ((t - from_us) as f64 / span, y / y_max))
            .collect()
    };
    let parts_at = first_parting(&pa, &pb).map(|t| (t - from_us) as f64 / span);
    Overlay {
        label,
        from_us,
        to_us,
        y_max,
        a: unit(&pa),
        b: unit(&pb),
        parts_at,
    }
}

/// The first time both series have a point at and differ there. Both are in time order
/// (samples are), so one walk over both finds it: this runs for every picture while the
/// compare view is open, and two branches that never part have thousands of samples.
fn first_parting(a: &[(u64, f64)], b: &[(u64, f64)]) -> Option<u64> {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let ((t, y), (u, z)) = (a[i], b[j]);
        match t.cmp(&u) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal if y != z => return Some(t),
            std::cmp::Ordering::Equal => (i, j) = (i + 1, j + 1),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at_us: u64, shipped: u64) -> Sample {
        Sample {
            at_us,
            shipped_encoded_total: shipped,
            ..Sample::default()
        }
    }

    #[test]
    fn a_long_series_is_thinned_and_keeps_a_short_dip() {
        // 10 minutes of samples, the state lost for one sample at 5 minutes.
        let a: Vec<Sample> = (0..6_000)
            .map(|i| sample(i * 100_000, if i == 3_000 { 0 } else { 1_000 + i }))
            .collect();
        let o = overlay(OVERLAID[0].0, OVERLAID[0].1, &a, &a, 0, 600_000_000);
        assert!(o.a.len() <= 400, "{} points", o.a.len());
        assert!(o.a.iter().any(|(_, y)| *y == 0.0), "the dip is kept");
        assert_eq!(o.a.last().map(|p| p.1), Some(1.0), "the top is kept");
        assert_eq!(o.parts_at, None);
    }

    #[test]
    fn overlays_share_their_axes_and_say_where_they_part() {
        let a: Vec<Sample> = (0..=10).map(|i| sample(i * 100_000, i * 10)).collect();
        let b: Vec<Sample> = (0..=10)
            .map(|i| sample(i * 100_000, if i < 6 { i * 10 } else { i * 20 }))
            .collect();
        let o = overlay(OVERLAID[0].0, OVERLAID[0].1, &a, &b, 200_000, 1_000_000);
        assert_eq!(o.y_max, 200.0, "the larger maximum");
        assert_eq!(o.a.len(), 9, "from the fork on");
        assert_eq!(o.a.first(), Some(&(0.0, 0.1)));
        assert_eq!(o.b.last(), Some(&(1.0, 1.0)));
        assert_eq!(
            o.parts_at,
            Some(0.5),
            "at 0.6 s, half-way from 0.2 s to 1 s"
        );
        let same = overlay(OVERLAID[0].0, OVERLAID[0].1, &a, &a, 0, 1_000_000);
        assert_eq!(same.parts_at, None);
        assert_eq!(same.a, same.b);
    }
}

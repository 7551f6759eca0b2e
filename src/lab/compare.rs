//! Comparing two branches of a run at the same moment: the numbers an engineer would
//! read in Flink's checkpoint UI and job metrics, side by side, which of them differ,
//! and the first event at which the two histories part.
//!
//! Both simulations are taken at the same virtual time, from the same seed; a branch
//! differs from the other only by what was done differently since they diverged, so
//! every difference here is caused by that.

use crate::engine::report::format;
use crate::engine::report::stats::CheckpointStatus;
use crate::engine::sim::Simulation;

use super::timeline::{Marker, MarkerKind};

/// One line of the comparison: the same figure on both branches.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareRow {
    pub label: &'static str,
    pub a: String,
    pub b: String,
    pub differs: bool,
}

/// Two branches at the same moment.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The branches' names: the shown one first.
    pub names: (String, String),
    /// The moment both were taken at.
    pub at_us: u64,
    /// The fork that separates them.
    pub diverged_at_us: Option<u64>,
    pub rows: Vec<CompareRow>,
    /// The first event one branch logged and the other did not (or logged at another
    /// moment), after they diverged.
    pub first_difference: Option<FirstDifference>,
    /// Both simulations are identical at this moment (their digests agree).
    pub identical: bool,
}

impl Comparison {
    /// Compares `a` and `b` (each a branch name, its simulation at `at_us`, its markers).
    pub fn of(
        a: (&str, &Simulation, &[Marker]),
        b: (&str, &Simulation, &[Marker]),
        at_us: u64,
        diverged_at_us: Option<u64>,
    ) -> Self {
        let (fa, fb) = (Figures::of(a.1), Figures::of(b.1));
        let rows = fa.rows(&fb);
        let first_difference = first_difference(a.2, b.2, diverged_at_us.unwrap_or(0), at_us);
        Self {
            names: (a.0.to_string(), b.0.to_string()),
            at_us,
            diverged_at_us,
            rows,
            first_difference,
            identical: a.1.digest() == b.1.digest(),
        }
    }
}

/// Where two branches' event logs first part: the moment, and what each logged there
/// (in words, with its own moment), `None` for a branch that logged nothing more.
#[derive(Clone, Debug, PartialEq)]
pub struct FirstDifference {
    pub at_us: u64,
    pub a: Option<String>,
    pub b: Option<String>,
}

/// The figures compared, read from one simulation.
struct Figures {
    completed: u64,
    failed: u64,
    restored: u64,
    last_size: Option<u64>,
    last_full_size: Option<u64>,
    last_duration: Option<u64>,
    shipped_encoded: u64,
    uploaded: u64,
    state_bytes: u64,
    records_processed: u64,
    replayed: u64,
    recovery_time: Option<u64>,
    exactly_once: Option<bool>,
}

impl Figures {
    fn of(sim: &Simulation) -> Self {
        let counts = sim.counts();
        let totals = sim.totals();
        let last = sim
            .history()
            .iter()
            .rev()
            .find(|h| h.status == CheckpointStatus::Completed);
        let recoveries = sim.recoveries();
        let checked: Vec<bool> = recoveries
            .iter()
            .filter_map(|r| r.exactly_once.as_ref().map(|e| e.ok()))
            .collect();
        Self {
            completed: counts.completed,
            failed: counts.failed,
            restored: counts.restored,
            last_size: last.map(|h| h.checkpointed_data_size),
            last_full_size: last.map(|h| h.full_checkpoint_size),
            last_duration: last.and_then(|h| h.end_to_end_duration_us),
            shipped_encoded: totals.shipped_encoded,
            uploaded: totals.uploaded,
            state_bytes: (0..sim.partitioning().max_parallelism())
                .map(|kg| sim.key_group_state(kg).raw_bytes())
                .sum(),
            records_processed: totals.records_processed,
            replayed: recoveries.iter().map(|r| r.replayed_records).sum(),
            recovery_time: recoveries.iter().rev().find_map(|r| r.recovery_time_us()),
            exactly_once: (!checked.is_empty()).then(|| checked.iter().all(|ok| *ok)),
        }
    }

    fn rows(&self, b: &Figures) -> Vec<CompareRow> {
        let opt_bytes = |v: Option<u64>| v.map_or_else(|| "—".to_string(), format::bytes);
        let verdict = |v: Option<bool>| match v {
            None => "not checked yet (no recovery)".to_string(),
            Some(true) => "exactly once ✓".to_string(),
            Some(false) => "VIOLATED ✗".to_string(),
        };
        let row = |label, a: String, b: String| CompareRow {
            label,
            differs: a != b,
            a,
            b,
        };
        vec![
            row(
                "completed checkpoints",
                format::count(self.completed),
                format::count(b.completed),
            ),
            row(
                "failed checkpoints",
                format::count(self.failed),
                format::count(b.failed),
            ),
            row(
                "checkpointed data size (last)",
                opt_bytes(self.last_size),
                opt_bytes(b.last_size),
            ),
            row(
                "full checkpoint data size (last)",
                opt_bytes(self.last_full_size),
                opt_bytes(b.last_full_size),
            ),
            row(
                "end-to-end duration (last)",
                format::duration_opt(self.last_duration),
                format::duration_opt(b.last_duration),
            ),
            row(
                "bytes acknowledged",
                format::bytes(self.shipped_encoded),
                format::bytes(b.shipped_encoded),
            ),
            row(
                "bytes uploaded (with re-sends)",
                format::bytes(self.uploaded),
                format::bytes(b.uploaded),
            ),
            row(
                "state size (serialised)",
                format::bytes(self.state_bytes),
                format::bytes(b.state_bytes),
            ),
            row(
                "records processed",
                format::count(self.records_processed),
                format::count(b.records_processed),
            ),
            row(
                "restores",
                format::count(self.restored),
                format::count(b.restored),
            ),
            row(
                "records replayed",
                format::count(self.replayed),
                format::count(b.replayed),
            ),
            row(
                "recovery time (last)",
                format::duration_opt(self.recovery_time),
                format::duration_opt(b.recovery_time),
            ),
            row(
                "exactly-once check",
                verdict(self.exactly_once),
                verdict(b.exactly_once),
            ),
        ]
    }
}

/// The first marker, from `from_us` (the fork) up to `to_us`, that one branch has and the
/// other has not at the same moment. Settings changed at the fork moment are the change
/// itself (the branch list names it), not one of its consequences: they are skipped.
fn first_difference(
    a: &[Marker],
    b: &[Marker],
    from_us: u64,
    to_us: u64,
) -> Option<FirstDifference> {
    let window = |ms: &[Marker]| -> Vec<Marker> {
        ms.iter()
            .filter(|m| m.at_us >= from_us && m.at_us <= to_us)
            .filter(|m| !(m.kind == MarkerKind::Settings && m.at_us == from_us))
            .cloned()
            .collect()
    };
    let (ma, mb) = (window(a), window(b));
    let same = |x: &Marker, y: &Marker| x.at_us == y.at_us && x.event == y.event;
    let i = ma
        .iter()
        .zip(&mb)
        .position(|(x, y)| !same(x, y))
        .unwrap_or(ma.len().min(mb.len()));
    let (x, y) = (ma.get(i), mb.get(i));
    if x.is_none() && y.is_none() {
        return None;
    }
    let at = x
        .map(|m| m.at_us)
        .into_iter()
        .chain(y.map(|m| m.at_us))
        .min()
        .unwrap_or(from_us);
    let describe = |m: &Marker| format!("{} at {}", m.event, format::at(m.at_us));
    Some(FirstDifference {
        at_us: at,
        a: x.map(describe),
        b: y.map(describe),
    })
}

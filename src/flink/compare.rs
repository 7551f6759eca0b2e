//! Real vs simulated: run the calibrated config for as long as the real job ran and put
//! Flink's figures beside the lab's, with the relative error of each.
//!
//! Nothing is adjusted to look closer: where the lab's model differs (keys the REST answers
//! cannot show, RocksDB's files, the first checkpoint's timing), the table shows the
//! difference and the notes say why. The lab writes Flink's heap format itself, so for the
//! same keys and values its sizes are Flink's. Whether the sizes meet
//! the aim (±2 %) is a separate function, `size_aims`, which the round-trip script
//! and the tests call.

use super::calibrate::{Calibration, RealCheckpoint, Source};
use crate::engine::report::stats::CheckpointStatus;
use crate::engine::scale::Scale;
use crate::engine::sim::Simulation;
use crate::engine::state::codec::Codec;
use serde::Serialize;
use std::fmt;

/// The aim for sizes: within ±2 % of real Flink's.
pub const SIZE_AIM: f64 = 0.02;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Bytes,
    Ms,
    Seconds,
    Count,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    pub figure: String,
    pub unit: Unit,
    pub real: Option<f64>,
    pub simulated: Option<f64>,
    /// (simulated − real) / real.
    pub error: Option<f64>,
    /// Whether the ±2 % size aim applies to this row.
    pub size_aim: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    pub seconds: f64,
    pub rows: Vec<Row>,
    /// Where the lab's model differs from what Flink did, in words.
    pub notes: Vec<String>,
}

/// One completed checkpoint, either side, in the units the rows use.
struct Point {
    at_s: Option<f64>,
    state: f64,
    checkpointed: f64,
    duration_ms: f64,
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn max(v: impl Iterator<Item = f64>) -> Option<f64> {
    v.fold(None, |m, x| Some(m.map_or(x, |m: f64| m.max(x))))
}

/// Time of the first checkpoint whose state reached 90 % of the last one's.
fn growth_s(points: &[Point]) -> Option<f64> {
    let last = points.last()?.state;
    points
        .iter()
        .find(|p| p.state >= 0.9 * last)
        .and_then(|p| p.at_s)
}

fn figures(points: &[Point]) -> Vec<(&'static str, Unit, Option<f64>, bool)> {
    let second_half = &points[points.len() / 2..];
    vec![
        (
            "state size, latest",
            Unit::Bytes,
            points.last().map(|p| p.state),
            false,
        ),
        (
            "state size, median of the second half",
            Unit::Bytes,
            median(second_half.iter().map(|p| p.state).collect()),
            true,
        ),
        (
            "checkpointed size, latest",
            Unit::Bytes,
            points.last().map(|p| p.checkpointed),
            false,
        ),
        (
            "checkpointed size, median of the second half",
            Unit::Bytes,
            median(second_half.iter().map(|p| p.checkpointed).collect()),
            true,
        ),
        (
            "end-to-end duration p50",
            Unit::Ms,
            median(points.iter().map(|p| p.duration_ms).collect()),
            false,
        ),
        (
            "end-to-end duration max",
            Unit::Ms,
            max(points.iter().map(|p| p.duration_ms)),
            false,
        ),
        (
            "state at 90 % of its last size after",
            Unit::Seconds,
            growth_s(points),
            false,
        ),
    ]
}

fn real_points(r: &[RealCheckpoint]) -> Vec<Point> {
    r.iter()
        .map(|c| Point {
            at_s: c.trigger_at_s,
            state: c.state_size as f64,
            checkpointed: c.checkpointed_size as f64,
            duration_ms: c.end_to_end_duration_ms as f64,
        })
        .collect()
}

/// The run's checkpoints as the real job's: a scale model's sizes scaled back up
/// (`engine::scale`; at 1:1 they are as measured), durations as they are.
fn sim_points(sim: &Simulation) -> Vec<Point> {
    let scale = Scale::of(sim);
    sim.history()
        .iter()
        .filter(|h| h.status == CheckpointStatus::Completed)
        .map(|h| {
            let real = scale.checkpoint(h);
            Point {
                at_s: Some(h.trigger_time_us as f64 / 1e6),
                state: real.full_checkpoint_size as f64,
                checkpointed: real.checkpointed_data_size as f64,
                duration_ms: h.end_to_end_duration_us.unwrap_or(0) as f64 / 1000.0,
            }
        })
        .collect()
}

/// Runs the calibrated config for `seconds` (the real job's running time when `None`)
/// and compares. The run is the engine's, natively or in the browser alike.
pub fn compare(cal: &Calibration, seconds: Option<f64>) -> Result<Comparison, String> {
    let seconds = seconds.unwrap_or(cal.real.running_s);
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 86_400.0) {
        return Err(format!(
            "the run length must be between 0 and 86400 s, got {seconds} (the answers give no running time: pass --seconds)"
        ));
    }
    let mut sim = Simulation::new(cal.config.clone(), None).map_err(|e| e.to_string())?;
    sim.advance_to((seconds * 1e6).round() as u64);
    Ok(compare_with(cal, &sim, seconds))
}

/// Compares a run that has already been made (the CLI runs it with progress).
pub fn compare_with(cal: &Calibration, sim: &Simulation, seconds: f64) -> Comparison {
    let real = real_points(&cal.real.checkpoints);
    let simulated = sim_points(sim);
    let mut rows: Vec<Row> = figures(&real)
        .into_iter()
        .zip(figures(&simulated))
        .map(|((figure, unit, r, size_aim), (_, _, s, _))| Row {
            figure: figure.to_string(),
            unit,
            real: r,
            simulated: s,
            error: rel_error(r, s),
            size_aim,
        })
        .collect();
    let completed_real = cal.real.completed as f64;
    let completed_sim = sim.counts().completed as f64;
    rows.push(Row {
        figure: "completed checkpoints".into(),
        unit: Unit::Count,
        real: Some(completed_real),
        simulated: Some(completed_sim),
        error: rel_error(Some(completed_real), Some(completed_sim)),
        size_aim: false,
    });
    rows.push(Row {
        figure: "failed checkpoints".into(),
        unit: Unit::Count,
        real: Some(cal.real.failed as f64),
        simulated: Some(sim.counts().failed as f64),
        error: rel_error(
            Some(cal.real.failed as f64),
            Some(sim.counts().failed as f64),
        ),
        size_aim: false,
    });
    let mut notes = Vec::new();
    let scale = Scale::of(sim);
    if scale.is_model() {
        notes.push(format!(
            "{}: the simulated sizes are a model's holding every {}th key, scaled back up ×{} (each key group's and subtask's fixed bytes once): estimates; its durations are its own",
            scale.label(),
            scale.factor,
            scale.factor
        ));
    }
    // An exported job's workload is the lab's own, a given one the engineer's; otherwise
    // the job's keys are guessed.
    let told = cal.provenance.iter().any(|p| {
        p.setting == "workload"
            || (p.setting.starts_with("workload.") && matches!(p.source, Source::Given { .. }))
    });
    if !told {
        notes.push(
            "sizes: the lab writes Flink's heap format byte for byte; what REST cannot show is the job's keys and values, so the lab's `user-N` keys and its counter sums stand in for them: keys of another length or values that compress differently move the sizes (an exported job's own workload has none of this; for another job, tell the lab its workload with --workload)"
                .to_string(),
        );
    }
    if cal.config.checkpointing.codec != Codec::None {
        notes.push(
            "compressed sizes move from checkpoint to checkpoint as the values change, and the lab's checkpoints fall at other moments than the real job's: compare the medians, not one checkpoint"
                .to_string(),
        );
    }
    if cal.real.checkpoints.iter().any(|c| !c.keyed_only) {
        notes.push(format!(
            "real sizes of {} checkpoint(s) without details are the whole job's (the keyed vertex plus the sources' few hundred bytes)",
            cal.real.checkpoints.iter().filter(|c| !c.keyed_only).count()
        ));
    }
    if cal.backend != super::calibrate::Backend::HashMap {
        notes.push(format!(
            "{}: Flink's full size grows with each memtable flush and drops at compactions (a sawtooth); the lab's does not",
            cal.backend
        ));
    }
    notes.push("durations: the lab's link reproduces the measured async phase; Flink's start delay and acknowledgement are folded into the link latency".into());
    Comparison {
        seconds,
        rows,
        notes,
    }
}

fn rel_error(real: Option<f64>, sim: Option<f64>) -> Option<f64> {
    match (real, sim) {
        (Some(r), Some(s)) if r != 0.0 => Some((s - r) / r),
        (Some(r), Some(s)) if r == 0.0 && s == 0.0 => Some(0.0),
        _ => None,
    }
}

/// The rows whose size misses the ±2 % aim, in words; empty when every size meets it.
pub fn size_aims(c: &Comparison) -> Vec<String> {
    c.rows
        .iter()
        .filter(|r| r.size_aim)
        .filter_map(|r| match r.error {
            Some(e) if e.abs() <= SIZE_AIM => None,
            Some(e) => Some(format!(
                "{}: simulated {} vs real {} ({:+.1} %, aim ±{:.0} %)",
                r.figure,
                fmt_value(r.simulated, r.unit),
                fmt_value(r.real, r.unit),
                e * 100.0,
                SIZE_AIM * 100.0
            )),
            None => Some(format!("{}: no figure to compare", r.figure)),
        })
        .collect()
}

/// A figure as the table prints it (`1,904,924 B`, `85.5 ms`, `–` for none).
pub fn fmt_value(v: Option<f64>, unit: Unit) -> String {
    match v {
        None => "–".into(),
        Some(x) => match unit {
            Unit::Bytes => format!("{} B", group(x.round() as i64)),
            Unit::Ms => format!("{x:.1} ms"),
            Unit::Seconds => format!("{x:.1} s"),
            Unit::Count => format!("{x:.0}"),
        },
    }
}

fn group(v: i64) -> String {
    let s = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if v < 0 {
        format!("-{out}")
    } else {
        out
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "real vs simulated ({:.1} virtual s):", self.seconds)?;
        writeln!(
            f,
            "  {:<46} {:>14} {:>14} {:>9}",
            "figure", "real", "simulated", "error"
        )?;
        for r in &self.rows {
            writeln!(
                f,
                "  {:<46} {:>14} {:>14} {:>9}{}",
                r.figure,
                fmt_value(r.real, r.unit),
                fmt_value(r.simulated, r.unit),
                r.error
                    .map_or("–".to_string(), |e| format!("{:+.1} %", e * 100.0)),
                if r.size_aim { "  (aim ±2 %)" } else { "" }
            )?;
        }
        for n in &self.notes {
            writeln!(f, "  note: {n}")?;
        }
        Ok(())
    }
}

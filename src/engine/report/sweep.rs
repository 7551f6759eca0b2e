//! Parameter sweeps: the same job run once per setting on a grid of one or two
//! parameters, each cell measured for its overhead (bytes shipped per hour, link use, the
//! interval it achieved) and its exposure to failures (`exposure.rs`: recovery time and
//! records replayed over crash times), then the Pareto front and a recommendation.
//!
//! A cell runs alone and single-threaded (`run_cell`), so a front end can spread the cells
//! over its cores: threads natively, Web Workers in the browser. Every cell starts from the
//! same point with the same seed, so the cells differ by their setting only.

use crate::engine::config::{Config, ConfigErrors};
use crate::engine::partitioning::trace::Trace;
use crate::engine::report::exposure::{exposure, CrashTimes, Exposure, Spread};
use crate::engine::report::stats::CheckpointStatus;
use crate::engine::scale::Scale;
use crate::engine::sim::{Reconfigured, Simulation};
use crate::engine::state::codec::Codec;
use crate::engine::transfer::policy::PolicyConfig;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A setting a sweep can vary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Param {
    /// `execution.checkpointing.interval`, ms (`off` for none).
    IntervalMs,
    Codec,
    Incremental,
    Policy,
    Parallelism,
    MaxParallelism,
    NumRetained,
    BandwidthMbitS,
    /// The adaptive policy's change budget B.
    ChangeBudgetBytes,
    /// The adaptive policy's ship threshold.
    ShipThresholdBytes,
    /// Young–Daly's assumed mean time between failures.
    MtbfS,
}

impl Param {
    pub const ALL: [Param; 11] = [
        Param::IntervalMs,
        Param::Codec,
        Param::Incremental,
        Param::Policy,
        Param::Parallelism,
        Param::MaxParallelism,
        Param::NumRetained,
        Param::BandwidthMbitS,
        Param::ChangeBudgetBytes,
        Param::ShipThresholdBytes,
        Param::MtbfS,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Param::IntervalMs => "interval_ms",
            Param::Codec => "codec",
            Param::Incremental => "incremental",
            Param::Policy => "policy",
            Param::Parallelism => "parallelism",
            Param::MaxParallelism => "max_parallelism",
            Param::NumRetained => "num_retained",
            Param::BandwidthMbitS => "bandwidth_mbit_s",
            Param::ChangeBudgetBytes => "change_budget_bytes",
            Param::ShipThresholdBytes => "ship_threshold_bytes",
            Param::MtbfS => "mtbf_s",
        }
    }

    /// What a value looks like, for error messages.
    fn allowed(self) -> &'static str {
        match self {
            Param::IntervalMs => "milliseconds, or `off`",
            Param::Codec => "`none`, `snappy` or `lz4`",
            Param::Incremental => "`true` or `false`",
            Param::Policy => "`fixed`, `adaptive` or `young_daly`",
            Param::Parallelism | Param::MaxParallelism | Param::NumRetained => "whole numbers",
            Param::BandwidthMbitS | Param::MtbfS => "numbers",
            Param::ChangeBudgetBytes | Param::ShipThresholdBytes => "whole numbers of bytes",
        }
    }

    fn parse(name: &str) -> Option<Param> {
        Param::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// One value of a parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Number(f64),
    Off,
    Codec(Codec),
    Flag(bool),
    Policy(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(n) => write!(f, "{n}"),
            Value::Off => write!(f, "off"),
            Value::Codec(c) => write!(f, "{c}"),
            Value::Flag(b) => write!(f, "{b}"),
            Value::Policy(p) => write!(f, "{p}"),
        }
    }
}

/// One axis of the grid: a parameter and its values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    pub param: Param,
    pub values: Vec<Value>,
}

/// A sweep refused, naming what is wrong.
#[derive(Clone, Debug, PartialEq)]
pub enum SweepError {
    Syntax(String),
    UnknownParam {
        name: String,
    },
    EmptyRange {
        param: Param,
    },
    BadValue {
        param: Param,
        value: String,
    },
    TooManyAxes(usize),
    SameParamTwice(Param),
    TooManyCells {
        cells: usize,
        max: usize,
    },
    /// The cells that run at once need more memory than the sweep may use.
    OverMemory {
        at_once: usize,
        needed: u64,
        budget: u64,
        largest: String,
        largest_needs: u64,
    },
    /// A cell's setting makes a config the engine refuses.
    Cell {
        cell: String,
        errors: ConfigErrors,
    },
    BadHorizon(String),
    /// A policy's knob swept on a config running another policy.
    NotApplicable {
        param: Param,
        policy: &'static str,
        current: &'static str,
    },
}

impl fmt::Display for SweepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = || {
            Param::ALL
                .iter()
                .map(|p| p.name())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            SweepError::Syntax(s) => write!(
                f,
                "`{s}` is not a parameter: write NAME=V1,V2,… or NAME=FROM..TO/STEPS"
            ),
            SweepError::UnknownParam { name } => {
                write!(f, "unknown parameter `{name}`; the sweep can vary {}", names())
            }
            SweepError::EmptyRange { param } => {
                write!(f, "{}: the range holds no value", param.name())
            }
            SweepError::BadValue { param, value } => write!(
                f,
                "{}: `{value}` is not a value it takes ({})",
                param.name(),
                param.allowed()
            ),
            SweepError::TooManyAxes(n) => {
                write!(f, "a sweep varies one or two parameters, not {n}")
            }
            SweepError::SameParamTwice(p) => write!(f, "{} is varied twice", p.name()),
            SweepError::TooManyCells { cells, max } => write!(
                f,
                "{cells} cells is more than the {max} a sweep runs at once; use fewer values"
            ),
            SweepError::OverMemory {
                at_once,
                needed,
                budget,
                largest,
                largest_needs,
            } => {
                use crate::engine::report::format::bytes;
                write!(
                    f,
                    "memory: {at_once} cells at once need about {} (the largest, {largest}, alone {}), more than the sweep's budget of {}; run fewer at once or choose smaller settings",
                    bytes(*needed),
                    bytes(*largest_needs),
                    bytes(*budget)
                )
            }
            SweepError::Cell { cell, errors } => write!(f, "cell {cell}: {errors}"),
            SweepError::BadHorizon(why) => write!(f, "{why}"),
            SweepError::NotApplicable {
                param,
                policy,
                current,
            } => write!(
                f,
                "{} is a knob of the {policy} policy; this config runs {current} (sweep `policy` too, or set it)",
                param.name()
            ),
        }
    }
}

impl std::error::Error for SweepError {}

/// Most cells one sweep runs: each keeps a whole simulation while it runs, and a grid of
/// more than this is a different question (narrow the ranges).
pub const MAX_CELLS: usize = 64;

fn parse_value(param: Param, text: &str) -> Result<Value, SweepError> {
    let text = text.trim();
    let bad = || SweepError::BadValue {
        param,
        value: text.to_string(),
    };
    match param {
        Param::IntervalMs if text == "off" => Ok(Value::Off),
        Param::Codec => match text {
            "none" => Ok(Value::Codec(Codec::None)),
            "snappy" => Ok(Value::Codec(Codec::Snappy)),
            "lz4" => Ok(Value::Codec(Codec::Lz4)),
            _ => Err(bad()),
        },
        Param::Incremental => match text {
            "true" => Ok(Value::Flag(true)),
            "false" => Ok(Value::Flag(false)),
            _ => Err(bad()),
        },
        Param::Policy => match text {
            "fixed" | "adaptive" | "young_daly" => Ok(Value::Policy(text.to_string())),
            _ => Err(bad()),
        },
        _ => {
            let n: f64 = text.parse().map_err(|_| bad())?;
            let whole = !matches!(param, Param::BandwidthMbitS | Param::MtbfS);
            if !n.is_finite() || n < 0.0 || (whole && n.fract() != 0.0) {
                return Err(bad());
            }
            Ok(Value::Number(n))
        }
    }
}

/// Parses `NAME=V1,V2,…` or, for numbers, `NAME=FROM..TO/STEPS` (STEPS values, evenly).
pub fn parse_axis(text: &str) -> Result<Axis, SweepError> {
    let (name, values) = text
        .split_once('=')
        .ok_or_else(|| SweepError::Syntax(text.to_string()))?;
    let param = Param::parse(name.trim()).ok_or_else(|| SweepError::UnknownParam {
        name: name.trim().to_string(),
    })?;
    let values = values.trim();
    let parsed = if let Some((range, steps)) = values.split_once('/') {
        let (from, to) = range
            .split_once("..")
            .ok_or_else(|| SweepError::Syntax(text.to_string()))?;
        let (from, to) = match (parse_value(param, from)?, parse_value(param, to)?) {
            (Value::Number(a), Value::Number(b)) => (a, b),
            _ => {
                return Err(SweepError::BadValue {
                    param,
                    value: range.to_string(),
                })
            }
        };
        let steps: usize = steps.trim().parse().map_err(|_| SweepError::BadValue {
            param,
            value: steps.to_string(),
        })?;
        if steps == 0 || to < from {
            return Err(SweepError::EmptyRange { param });
        }
        let whole = !matches!(param, Param::BandwidthMbitS | Param::MtbfS);
        let mut out: Vec<Value> = (0..steps)
            .map(|i| {
                let v = if steps == 1 {
                    from
                } else {
                    from + (to - from) * i as f64 / (steps - 1) as f64
                };
                Value::Number(if whole { v.round() } else { v })
            })
            .collect();
        out.dedup();
        out
    } else {
        values
            .split(',')
            .filter(|v| !v.trim().is_empty())
            .map(|v| parse_value(param, v))
            .collect::<Result<Vec<_>, _>>()?
    };
    if parsed.is_empty() {
        return Err(SweepError::EmptyRange { param });
    }
    Ok(Axis {
        param,
        values: parsed,
    })
}

/// Applies one parameter value to a config. A policy's knob on a config running another
/// policy is refused rather than ignored.
pub fn apply(config: &mut Config, param: Param, value: &Value) -> Result<(), SweepError> {
    let needs = |policy: &'static str| SweepError::NotApplicable {
        param,
        policy,
        current: config.checkpointing.policy.name(),
    };
    let knob_ok = match param {
        Param::ChangeBudgetBytes | Param::ShipThresholdBytes => {
            matches!(config.checkpointing.policy, PolicyConfig::Adaptive { .. })
                .then_some(())
                .ok_or_else(|| needs("adaptive (state change rate)"))
        }
        Param::MtbfS => matches!(config.checkpointing.policy, PolicyConfig::YoungDaly { .. })
            .then_some(())
            .ok_or_else(|| needs("Young–Daly optimal")),
        _ => Ok(()),
    };
    knob_ok?;
    let number = |v: &Value| match v {
        Value::Number(n) => *n,
        _ => 0.0,
    };
    let k = &mut config.checkpointing;
    match (param, value) {
        (Param::IntervalMs, Value::Off) => k.interval_ms = None,
        (Param::IntervalMs, v) => k.interval_ms = Some(number(v) as u64),
        (Param::Codec, Value::Codec(c)) => k.codec = *c,
        (Param::Incremental, Value::Flag(b)) => k.incremental = *b,
        (Param::Policy, Value::Policy(name)) => {
            k.policy = match name.as_str() {
                "adaptive" => PolicyConfig::default_adaptive(),
                "young_daly" => PolicyConfig::default_young_daly(),
                _ => PolicyConfig::Fixed,
            };
            // The adaptive policy ships only some key groups: it needs incremental.
            if matches!(k.policy, PolicyConfig::Adaptive { .. }) {
                k.incremental = true;
            }
        }
        (Param::Parallelism, v) => config.job.parallelism = number(v) as u32,
        (Param::MaxParallelism, v) => config.job.max_parallelism = Some(number(v) as u32),
        (Param::NumRetained, v) => k.num_retained = number(v) as u32,
        (Param::BandwidthMbitS, v) => config.link.bandwidth_mbit_s = number(v),
        (Param::ChangeBudgetBytes, v) => {
            if let PolicyConfig::Adaptive {
                change_budget_bytes,
                ..
            } = &mut k.policy
            {
                *change_budget_bytes = number(v) as u64;
            }
        }
        (Param::ShipThresholdBytes, v) => {
            if let PolicyConfig::Adaptive {
                ship_threshold_bytes,
                ..
            } = &mut k.policy
            {
                *ship_threshold_bytes = number(v) as u64;
            }
        }
        (Param::MtbfS, v) => {
            if let PolicyConfig::YoungDaly { mtbf_s, .. } = &mut k.policy {
                *mtbf_s = number(v);
            }
        }
        _ => {}
    }
    Ok(())
}

/// How long each cell runs: `warmup` before measuring (state builds up, the policy
/// settles), then `horizon` measured.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Span {
    pub warmup_us: u64,
    pub horizon_us: u64,
}

/// One cell of the grid: its setting and the config it runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub index: usize,
    /// (parameter, value) per axis.
    pub setting: Vec<(Param, Value)>,
    pub config: Config,
}

impl Cell {
    pub fn label(&self) -> String {
        self.setting
            .iter()
            .map(|(p, v)| format!("{}={v}", p.name()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Whether Flink can run this setting: a fixed interval and Flink's codecs.
    pub fn flink_possible(&self) -> bool {
        let k = &self.config.checkpointing;
        k.policy.in_flink() && k.codec != Codec::Lz4
    }
}

/// The grid's cells, each a validated config.
pub fn cells(base: &Config, axes: &[Axis]) -> Result<Vec<Cell>, SweepError> {
    if axes.is_empty() || axes.len() > 2 {
        return Err(SweepError::TooManyAxes(axes.len()));
    }
    if axes.len() == 2 && axes[0].param == axes[1].param {
        return Err(SweepError::SameParamTwice(axes[0].param));
    }
    let count: usize = axes.iter().map(|a| a.values.len()).product();
    if count > MAX_CELLS {
        return Err(SweepError::TooManyCells {
            cells: count,
            max: MAX_CELLS,
        });
    }
    let mut out = Vec::with_capacity(count);
    let first = &axes[0];
    let second = axes.get(1);
    for a in &first.values {
        let seconds: Vec<Option<&Value>> = match second {
            Some(s) => s.values.iter().map(Some).collect(),
            None => vec![None],
        };
        for b in seconds {
            let mut config = base.clone();
            let mut setting = vec![(first.param, a.clone())];
            apply(&mut config, first.param, a)?;
            if let (Some(s), Some(b)) = (second, b) {
                apply(&mut config, s.param, b)?;
                setting.push((s.param, b.clone()));
            }
            let cell = Cell {
                index: out.len(),
                setting,
                config,
            };
            cell.config
                .validate_settings()
                .map_err(|errors| SweepError::Cell {
                    cell: cell.label(),
                    errors,
                })?;
            out.push(cell);
        }
    }
    Ok(out)
}

/// Memory one cell needs while it runs: its own run at its busiest
/// (`memory::estimate`), plus, for a cell forked from a running simulation, that run's
/// copy, whose pages the fork stops sharing as it writes (at most the state again).
pub fn cell_memory(cell: &Cell, forked: bool) -> u64 {
    let e = crate::engine::memory::estimate(&cell.config, None);
    let base = if forked {
        e.bytes.saturating_sub(e.key_space + e.fixed)
    } else {
        0
    };
    e.bytes + base
}

/// Refuses a grid whose `at_once` largest cells together need more than `budget` bytes
/// (threads natively; Web Workers in the browser, each its own wasm instance).
pub fn check_memory(
    grid: &[Cell],
    at_once: usize,
    forked: bool,
    budget: u64,
) -> Result<(), SweepError> {
    let mut needs: Vec<(u64, &Cell)> = grid.iter().map(|c| (cell_memory(c, forked), c)).collect();
    needs.sort_by_key(|n| std::cmp::Reverse(n.0));
    let at_once = at_once.clamp(1, grid.len().max(1));
    let needed: u64 = needs.iter().take(at_once).map(|(n, _)| n).sum();
    match needs.first() {
        Some((largest_needs, largest)) if needed > budget => Err(SweepError::OverMemory {
            at_once,
            needed,
            budget,
            largest: largest.label(),
            largest_needs: *largest_needs,
        }),
        _ => Ok(()),
    }
}

/// What one cell measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CellResult {
    pub index: usize,
    pub label: String,
    pub flink_possible: bool,
    pub checkpoints_completed: u64,
    pub checkpoints_failed: u64,
    /// Mean gap between the triggers of checkpoints that completed in the horizon: the
    /// interval achieved, not the one asked for.
    pub achieved_interval_s: Option<f64>,
    pub bytes_shipped_per_hour: f64,
    /// Share of the upload link's capacity used over the horizon.
    pub link_utilisation: f64,
    pub exposure: Exposure,
    /// The cell's run digest, to compare with the same config run alone.
    pub digest: u64,
    /// The scale model the cell ran as (1: the real job). For a model, the bytes per hour
    /// and the records and bytes a recovery replays and downloads are the model's scaled
    /// back up (×F, each chunk's fixed bytes once): estimates, shown with ≈.
    #[serde(default = "real_job")]
    pub scale: u32,
}

fn real_job() -> u32 {
    1
}

/// Runs one cell: a fresh run of its config (the same seed as every other cell), warmed
/// up and then measured over the horizon.
pub fn run_cell(
    cell: &Cell,
    trace: Option<&Trace>,
    span: Span,
    crash_times: CrashTimes,
    progress: impl FnMut(f64),
) -> Result<CellResult, SweepError> {
    run_cell_keeping(cell, trace, span, crash_times, progress).map(|(r, _)| r)
}

/// [`run_cell`], also handing back the cell's simulation (e.g. to export its Flink YAML).
pub fn run_cell_keeping(
    cell: &Cell,
    trace: Option<&Trace>,
    span: Span,
    crash_times: CrashTimes,
    mut progress: impl FnMut(f64),
) -> Result<(CellResult, Simulation), SweepError> {
    let mut sim =
        Simulation::new(cell.config.clone(), trace).map_err(|errors| SweepError::Cell {
            cell: cell.label(),
            errors,
        })?;
    let end = span.warmup_us + span.horizon_us;
    let step = (end / 100).max(100_000);
    while sim.now_us() < span.warmup_us {
        sim.advance_to((sim.now_us() + step).min(span.warmup_us));
        progress(sim.now_us() as f64 / end as f64);
    }
    let start = sim.totals();
    while sim.now_us() < end {
        sim.advance_to((sim.now_us() + step).min(end));
        progress(sim.now_us() as f64 / end as f64);
    }
    Ok((measure(cell, &sim, start, span, crash_times), sim))
}

/// Runs one cell from a fork of a running simulation instead of from scratch: the
/// setting applies live (a rescale restarts from the latest checkpoint); settings that
/// need a new run start one and bring it to the same moment first.
pub fn run_cell_from(
    cell: &Cell,
    base: &Simulation,
    trace: Option<&Trace>,
    horizon_us: u64,
    crash_times: CrashTimes,
) -> Result<CellResult, SweepError> {
    run_cell_from_keeping(cell, base, trace, horizon_us, crash_times, |_, _| {}).map(|(r, _)| r)
}

/// Where a forked cell is: bringing a new run to the fork's moment (a setting Flink
/// cannot change under a running job), or measuring over the horizon.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellPhase {
    CatchUpToFork,
    Horizon,
}

/// [`run_cell_from`], reporting progress (phase and fraction of it done) and handing back
/// the cell's simulation.
pub fn run_cell_from_keeping(
    cell: &Cell,
    base: &Simulation,
    trace: Option<&Trace>,
    horizon_us: u64,
    crash_times: CrashTimes,
    mut progress: impl FnMut(CellPhase, f64),
) -> Result<(CellResult, Simulation), SweepError> {
    let refused = |errors| SweepError::Cell {
        cell: cell.label(),
        errors,
    };
    let mut sim = base.clone();
    if let Reconfigured::NeedsNewRun(_) = sim.reconfigure(cell.config.clone()).map_err(refused)? {
        let at = base.now_us();
        sim = Simulation::new(cell.config.clone(), trace).map_err(refused)?;
        let step = (at / 50).max(100_000);
        while sim.now_us() < at {
            sim.advance_to((sim.now_us() + step).min(at));
            progress(CellPhase::CatchUpToFork, sim.now_us() as f64 / at as f64);
        }
    }
    let from = sim.now_us();
    let start = sim.totals();
    let end = from + horizon_us;
    let step = (horizon_us / 100).max(100_000);
    while sim.now_us() < end {
        sim.advance_to((sim.now_us() + step).min(end));
        progress(
            CellPhase::Horizon,
            (sim.now_us() - from) as f64 / horizon_us.max(1) as f64,
        );
    }
    let span = Span {
        warmup_us: from,
        horizon_us,
    };
    Ok((measure(cell, &sim, start, span, crash_times), sim))
}

fn measure(
    cell: &Cell,
    sim: &Simulation,
    start: crate::engine::report::stats::Totals,
    span: Span,
    crash_times: CrashTimes,
) -> CellResult {
    let end = sim.totals();
    let (from, to) = (span.warmup_us, span.warmup_us + span.horizon_us);
    let hours = span.horizon_us as f64 / 3.6e9;
    let capacity = sim.config().link.bandwidth_mbit_s * 1e6 / 8.0 * (span.horizon_us as f64 / 1e6);
    let triggers: Vec<u64> = sim
        .history()
        .iter()
        .filter(|h| h.status == CheckpointStatus::Completed)
        .map(|h| h.trigger_time_us)
        .filter(|t| (from..to).contains(t))
        .collect();
    let achieved_interval_s = (triggers.len() >= 2).then(|| {
        (triggers[triggers.len() - 1] - triggers[0]) as f64 / 1e6 / (triggers.len() - 1) as f64
    });
    let scale = Scale::of(sim);
    let mut shipped = end.shipped_encoded - start.shipped_encoded;
    let mut exposure = exposure(sim, from, to, crash_times);
    if scale.is_model() {
        // The fixed bytes of the chunks shipped in the horizon are counted once: every
        // key group a checkpoint shipped, and a header for each subtask that shipped any.
        let (groups, headers) = sim
            .history()
            .iter()
            .filter(|h| (from..to).contains(&h.trigger_time_us))
            .fold((0u64, 0u64), |(g, n), h| {
                (
                    g + u64::from(h.key_groups_shipped),
                    n + h
                        .subtasks
                        .iter()
                        .filter(|s| s.key_groups_shipped > 0)
                        .count() as u64,
                )
            });
        shipped = scale.bytes(shipped, groups, scale.key_group_fixed, headers);
        let f = f64::from(scale.factor);
        let times = |s: Spread| Spread {
            mean: s.mean * f,
            p50: s.p50 * f,
            p95: s.p95 * f,
            max: s.max * f,
        };
        exposure.replayed_records = exposure.replayed_records.map(times);
        exposure.download_bytes = exposure.download_bytes.map(times);
    }
    CellResult {
        index: cell.index,
        label: cell.label(),
        flink_possible: cell.flink_possible(),
        checkpoints_completed: end.completed - start.completed,
        checkpoints_failed: end.failed - start.failed,
        achieved_interval_s,
        bytes_shipped_per_hour: shipped as f64 / hours,
        link_utilisation: (end.uploaded - start.uploaded) as f64 / capacity.max(1.0),
        exposure,
        digest: sim.digest(),
        scale: scale.factor,
    }
}

/// Expected recovery of a cell (mean over crash times), or infinity when it never
/// catches up or was never measured.
pub fn expected_recovery_s(r: &CellResult) -> f64 {
    if r.exposure.never_catches_up > 0 {
        return f64::INFINITY;
    }
    r.exposure.recovery_s.map_or(f64::INFINITY, |s| s.mean)
}

/// Indices (into `results`) of the cells on the Pareto front of bytes shipped per hour
/// against expected recovery time: no other cell is at least as good on both and better
/// on one. Sorted by bytes per hour.
pub fn pareto_front(results: &[CellResult]) -> Vec<usize> {
    let point = |r: &CellResult| (r.bytes_shipped_per_hour, expected_recovery_s(r));
    let mut front: Vec<usize> = (0..results.len())
        .filter(|&i| {
            let (b, t) = point(&results[i]);
            t.is_finite()
                && !results.iter().enumerate().any(|(j, o)| {
                    let (ob, ot) = point(o);
                    j != i && ob <= b && ot <= t && (ob < b || ot < t)
                })
        })
        .collect();
    front.sort_by(|&a, &b| point(&results[a]).0.total_cmp(&point(&results[b]).0));
    front
}

/// The recommended cell and why, in numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub cell: usize,
    pub label: String,
    /// Its bytes per hour over the reference cell's.
    pub bytes_ratio: f64,
    pub recovery_p95_s: f64,
    pub reference_recovery_p95_s: f64,
    /// Records the reference replays after a crash, over the recommended cell's (mean).
    pub replay_ratio: f64,
    /// Whether the choice changes when the MTBF is ten times shorter or longer.
    pub sensitive_to_mtbf: bool,
    /// Whether it rests on the link: the choice changes when link time is valued as on a
    /// link half or twice as fast, or the cell keeps the link busy more than half the
    /// time (on a link half as fast its checkpoints could not keep up).
    pub sensitive_to_bandwidth: bool,
    /// The recommended cell's share of the link's capacity.
    pub link_utilisation: f64,
    pub flink_possible: bool,
    /// The scale model the cells ran as (1: the real job): its figures are then estimates.
    #[serde(default = "real_job")]
    pub scale: u32,
}

/// Among the Pareto cells, the one with the lowest expected cost per hour: bytes shipped
/// (as link seconds) plus recovery seconds at the failure rate. `reference` is the current
/// setting's cell.
pub fn recommend(
    results: &[CellResult],
    reference: usize,
    bandwidth_mbit_s: f64,
    mtbf_s: f64,
) -> Option<Recommendation> {
    let front = pareto_front(results);
    let pick_at = |mtbf: f64, bandwidth_mbit_s: f64| -> Option<usize> {
        let bytes_per_s = bandwidth_mbit_s * 1e6 / 8.0;
        front.iter().copied().min_by(|&a, &b| {
            let cost = |r: &CellResult| {
                r.bytes_shipped_per_hour / bytes_per_s + 3600.0 / mtbf * expected_recovery_s(r)
            };
            cost(&results[a]).total_cmp(&cost(&results[b]))
        })
    };
    let pick = |mtbf: f64| pick_at(mtbf, bandwidth_mbit_s);
    let best = pick(mtbf_s)?;
    let r = &results[best];
    let base = results.get(reference)?;
    let p95 = |c: &CellResult| c.exposure.recovery_s.map_or(f64::INFINITY, |s| s.p95);
    let replay = |c: &CellResult| c.exposure.replayed_records.map_or(0.0, |s| s.mean);
    Some(Recommendation {
        cell: best,
        label: r.label.clone(),
        bytes_ratio: r.bytes_shipped_per_hour / base.bytes_shipped_per_hour.max(1.0),
        recovery_p95_s: p95(r),
        reference_recovery_p95_s: p95(base),
        replay_ratio: replay(base) / replay(r).max(1.0),
        sensitive_to_mtbf: pick(mtbf_s / 10.0) != Some(best) || pick(mtbf_s * 10.0) != Some(best),
        sensitive_to_bandwidth: pick_at(mtbf_s, bandwidth_mbit_s / 2.0) != Some(best)
            || pick_at(mtbf_s, bandwidth_mbit_s * 2.0) != Some(best)
            || r.link_utilisation > 0.5,
        link_utilisation: r.link_utilisation,
        flink_possible: r.flink_possible,
        scale: r.scale,
    })
}

impl fmt::Display for Recommendation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::engine::report::format::sig3;
        if self.scale > 1 {
            write!(
                f,
                "Measured on the scale model 1:{} (bytes and replays ≈, scaled back up): ",
                self.scale
            )?;
        }
        write!(f, "For this job, {} ", self.label)?;
        if self.bytes_ratio < 1.0 {
            write!(
                f,
                "ships {} % fewer bytes per hour than the current setting",
                sig3((1.0 - self.bytes_ratio) * 100.0)
            )?;
        } else {
            write!(
                f,
                "ships {}× the bytes per hour of the current setting",
                sig3(self.bytes_ratio)
            )?;
        }
        write!(
            f,
            ", with p95 recovery {} s (current {} s); ",
            sig3(self.recovery_p95_s),
            sig3(self.reference_recovery_p95_s)
        )?;
        if self.replay_ratio >= 1.0 {
            write!(
                f,
                "the current setting replays {}× as many records after a crash.",
                sig3(self.replay_ratio)
            )?;
        } else {
            write!(
                f,
                "it replays {}× as many records after a crash as the current setting.",
                sig3(1.0 / self.replay_ratio.max(1e-9))
            )?;
        }
        if !self.flink_possible {
            write!(f, " (This setting goes beyond Flink.)")?;
        }
        if self.sensitive_to_mtbf {
            write!(
                f,
                " The choice depends on the assumed MTBF: at ten times more or fewer failures another setting wins."
            )?;
        }
        if self.sensitive_to_bandwidth {
            write!(
                f,
                " It depends on the link's bandwidth: it keeps the link busy {} of the time, and on a link half or twice as fast another setting may win (sweep bandwidth_mbit_s to see).",
                crate::engine::report::format::percent(self.link_utilisation)
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_parse_lists_and_ranges_and_refuse_what_they_cannot_take() {
        let a = parse_axis("interval_ms=1000,2000,off").unwrap();
        assert_eq!(
            a.values,
            vec![Value::Number(1000.0), Value::Number(2000.0), Value::Off]
        );
        let r = parse_axis("bandwidth_mbit_s=10..40/4").unwrap();
        assert_eq!(r.values.len(), 4);
        assert_eq!(r.values[3], Value::Number(40.0));
        assert_eq!(
            parse_axis("colour=red"),
            Err(SweepError::UnknownParam {
                name: "colour".into()
            })
        );
        assert_eq!(
            parse_axis("codec="),
            Err(SweepError::EmptyRange {
                param: Param::Codec
            })
        );
        assert_eq!(
            parse_axis("parallelism=5..1/3"),
            Err(SweepError::EmptyRange {
                param: Param::Parallelism
            })
        );
        assert!(matches!(
            parse_axis("codec=zstd"),
            Err(SweepError::BadValue { .. })
        ));
        assert!(matches!(
            parse_axis("parallelism=2.5"),
            Err(SweepError::BadValue { .. })
        ));
        assert!(matches!(
            parse_axis("interval_ms"),
            Err(SweepError::Syntax(_))
        ));
    }
}

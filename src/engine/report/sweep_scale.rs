//! A sweep on the scale model: when a grid of the real job would take longer than the
//! sweep's time aim, its cells run as the scale model 1:F (`engine::scale`): every key
//! group kept, every F-th key, rates, bandwidth and costs per byte divided by F. The
//! work is real (every checkpoint still serialised and compressed), there is just 1/F of
//! it; a cell's bytes and counts are scaled back up (`sweep::measure`), its durations
//! are its own, and every front end labels its figures "≈ … (scale model 1:F)".
//!
//! The factor is the person's choice ([`ScaleChoice::Factor`]) or chosen here
//! ([`ScaleChoice::Auto`]): the smallest power of two at which the grid's estimated wall
//! time fits the aim. The estimate ([`cell_seconds`]) is a cost model of the engine's
//! work (records applied, bytes serialised and compressed) with per-record and per-byte
//! costs measured on this project's 2-core machine (`cargo bench --bench sweep_scale`
//! prints it beside the measured time); it is only used to choose F and is shown as
//! "about".

use std::fmt;

use crate::engine::config::Config;
use crate::engine::memory;
use crate::engine::partitioning::workload::{SourceConfig, ValueModel, MAX_SAMPLE_EVERY};
use crate::engine::report::sweep::{Cell, Span, SweepError};
use crate::engine::scale::{factor, rescaled};
use crate::engine::state::codec::Codec;
use crate::engine::transfer::policy::PolicyConfig;
use serde::{Deserialize, Serialize};

/// How a sweep's cells are scaled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleChoice {
    /// The smallest factor that fits the time aim (1 when the real job fits).
    Auto,
    /// The cells run at 1:F of the real job (1: the real job).
    Factor(u32),
}

impl fmt::Display for ScaleChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScaleChoice::Auto => f.write_str("auto"),
            ScaleChoice::Factor(n) => write!(f, "{n}"),
        }
    }
}

impl std::str::FromStr for ScaleChoice {
    type Err = String;
    /// `auto`, `F` or `1:F`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s == "auto" {
            return Ok(ScaleChoice::Auto);
        }
        let n = s.strip_prefix("1:").unwrap_or(s);
        match n.parse::<u32>() {
            Ok(n) if (1..=MAX_SAMPLE_EVERY).contains(&n) => Ok(ScaleChoice::Factor(n)),
            _ => Err(format!(
                "scale: `{s}` is not `auto` or a factor from 1 (the real job) to {MAX_SAMPLE_EVERY}"
            )),
        }
    }
}

/// The engine's cost per unit of work, for one core, in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CostModel {
    /// Applying one record: drawing it, routing it, updating its key's state.
    pub per_record_ns: f64,
    /// Per byte of value a record writes (a `RandomBytes` value is drawn byte by byte).
    pub per_value_byte_ns: f64,
    /// Serialising a byte of state into Flink's format and passing it through the codec:
    /// none, LZ4, Snappy.
    pub per_raw_byte_ns: [f64; 3],
}

/// Natively (release build), from CPU seconds measured on this project's 2-core machine
/// while other builds ran on it (`cargo bench --bench sweep_scale`, `sweep_cell`): the
/// tuning question's cell (16.5M records of 200 random bytes) 15–17 s, a 4 × 4 grid cell
/// 883 MB serialised through LZ4 in about 5 s. Checkpoints are assumed at the interval
/// asked for; where they take longer than it (the grid's 1 s and 2 s cells) the estimate
/// is high, up to 4.6× (the bench prints both), so auto errs towards a coarser model.
pub const NATIVE: CostModel = CostModel {
    per_record_ns: 400.0,
    per_value_byte_ns: 2.5,
    per_raw_byte_ns: [2.5, 5.5, 3.5],
};

/// In a page's Web Worker: wasm runs the same work about 1.6 to 2 times slower (the
/// README's sweep figures); 2 is assumed.
pub const BROWSER: CostModel = CostModel {
    per_record_ns: NATIVE.per_record_ns * 2.0,
    per_value_byte_ns: NATIVE.per_value_byte_ns * 2.0,
    per_raw_byte_ns: [
        NATIVE.per_raw_byte_ns[0] * 2.0,
        NATIVE.per_raw_byte_ns[1] * 2.0,
        NATIVE.per_raw_byte_ns[2] * 2.0,
    ],
};

/// Seconds of one core one cell of `config` is estimated to take over `span_s` virtual
/// seconds: the records it applies, and the state it serialises at every checkpoint
/// (the whole state each time: at high rates every key group changes between
/// checkpoints, so incremental checkpoints ship nearly all of it). Checkpoints come at
/// the interval, or as fast as the sync phase and the link allow when those are slower.
pub fn cell_seconds(config: &Config, span_s: f64, model: &CostModel) -> f64 {
    let capacity = config.job.records_per_s_per_subtask * f64::from(config.job.parallelism);
    let records = config.workload.rate.peak_rate().min(capacity) * span_s;
    let value_bytes = match config.workload.value_model {
        ValueModel::RandomBytes { len } => f64::from(len),
        ValueModel::Events { .. } => 40.0,
        ValueModel::Counter => 8.0,
    };
    let state = memory::estimate(config, None).logical_state_bytes as f64;
    let k = &config.checkpointing;
    // How much of the state a checkpoint ships after compression, roughly: random bytes
    // do not compress, text and counters do.
    let ratio = match (k.codec, config.workload.value_model) {
        (Codec::None, _) | (_, ValueModel::RandomBytes { .. }) => 1.0,
        _ => 0.4,
    };
    let link_s = state * ratio / (config.link.bandwidth_mbit_s * 1e6 / 8.0).max(1.0);
    let sync_s = state
        / f64::from(config.job.parallelism.max(1))
        / (config.costs.sync_snapshot_mb_s * 1e6).max(1.0);
    let fastest = link_s.max(sync_s).max(0.1);
    let period = match (&k.policy, k.interval_ms) {
        (PolicyConfig::Fixed, None) => f64::INFINITY,
        (PolicyConfig::Fixed, Some(ms)) => (ms as f64 / 1000.0).max(fastest),
        // The adaptive and Young–Daly policies choose their own moments: at most as fast
        // as the link and the sync phase allow.
        _ => fastest,
    };
    let serialised = state * (span_s / period).floor();
    let codec = match k.codec {
        Codec::None => 0,
        Codec::Lz4 => 1,
        Codec::Snappy => 2,
    };
    (records * (model.per_record_ns + value_bytes * model.per_value_byte_ns)
        + serialised * model.per_raw_byte_ns[codec])
        / 1e9
}

/// The grid's estimated wall time on `at_once` cores: its cells' seconds shared out, but
/// never less than its longest cell.
pub fn grid_seconds(configs: &[&Config], span: Span, at_once: usize, model: &CostModel) -> f64 {
    let span_s = (span.warmup_us + span.horizon_us) as f64 / 1e6;
    let each: Vec<f64> = configs
        .iter()
        .map(|c| cell_seconds(c, span_s, model))
        .collect();
    let total: f64 = each.iter().sum();
    let longest = each.iter().copied().fold(0.0, f64::max);
    (total / at_once.max(1) as f64).max(longest)
}

/// A model keeps at least this many keys per key group on average: below it, the few
/// keys left of a key group make its bytes a poor sample of the real job's.
pub const MIN_KEYS_PER_KEY_GROUP: u64 = 32;

/// What the sweep runs at, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScalePlan {
    pub choice: ScaleChoice,
    /// The factor the cells run at (1: the real job).
    pub factor: u32,
    /// The grid's estimated wall time at 1:1 and at the factor, in seconds.
    pub estimated_real_s: f64,
    pub estimated_s: f64,
    pub aim_s: f64,
    pub at_once: usize,
    /// Why auto stopped short of the aim, or could not scale at all.
    pub limit: Option<String>,
}

impl ScalePlan {
    pub fn is_model(&self) -> bool {
        self.factor > 1
    }

    /// "1:8" or "1:1".
    pub fn ratio(&self) -> String {
        format!("1:{}", self.factor)
    }
}

impl fmt::Display for ScalePlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::engine::report::format::sig3;
        let on = if self.at_once == 1 {
            "1 core".to_string()
        } else {
            format!("{} cores", self.at_once)
        };
        if self.is_model() {
            write!(
                f,
                "cells run as the scale model 1:{} ({}): the grid of the real job would take about {} s on {on}, at 1:{} about {} s (aim {} s); bytes and counts are the model's ×{}, marked ≈",
                self.factor,
                match self.choice {
                    ScaleChoice::Auto => "auto",
                    ScaleChoice::Factor(_) => "chosen",
                },
                sig3(self.estimated_real_s),
                self.factor,
                sig3(self.estimated_s),
                sig3(self.aim_s),
                self.factor,
            )?;
        } else {
            write!(
                f,
                "cells run the real job (1:1{}): about {} s on {on} (aim {} s)",
                match self.choice {
                    ScaleChoice::Auto => ", auto",
                    ScaleChoice::Factor(_) => ", chosen",
                },
                sig3(self.estimated_s),
                sig3(self.aim_s),
            )?;
        }
        if let Some(limit) = &self.limit {
            write!(f, "; {limit}")?;
        }
        Ok(())
    }
}

/// The factor the grid runs at. `Auto` takes the smallest power of two (never finer than
/// the cells' own model, never so coarse that fewer than [`MIN_KEYS_PER_KEY_GROUP`] keys
/// per key group remain) whose estimate fits `aim_s` on `at_once` cores.
pub fn plan(
    grid: &[Cell],
    span: Span,
    at_once: usize,
    choice: ScaleChoice,
    aim_s: f64,
    model: &CostModel,
) -> Result<ScalePlan, SweepError> {
    let real: Vec<Config> = grid
        .iter()
        .map(|c| rescaled(&c.config, 1).map_err(|errors| refused(c, errors)))
        .collect::<Result<_, _>>()?;
    let estimate = |f: u32| -> Result<f64, SweepError> {
        let configs: Vec<Config> = grid
            .iter()
            .zip(&real)
            .map(|(cell, c)| rescaled(c, f).map_err(|errors| refused(cell, errors)))
            .collect::<Result<_, _>>()?;
        Ok(grid_seconds(
            &configs.iter().collect::<Vec<_>>(),
            span,
            at_once,
            model,
        ))
    };
    let estimated_real_s = estimate(1)?;
    let own = grid.iter().map(|c| factor(&c.config)).max().unwrap_or(1);
    let (factor, limit) = match choice {
        ScaleChoice::Factor(f) => (f, None),
        ScaleChoice::Auto => auto_factor(grid, own, aim_s, &estimate)?,
    };
    Ok(ScalePlan {
        choice,
        factor,
        estimated_real_s,
        estimated_s: estimate(factor)?,
        aim_s,
        at_once,
        limit,
    })
}

fn auto_factor(
    grid: &[Cell],
    own: u32,
    aim_s: f64,
    estimate: &dyn Fn(u32) -> Result<f64, SweepError>,
) -> Result<(u32, Option<String>), SweepError> {
    let generated = grid
        .iter()
        .all(|c| matches!(c.config.workload.source, SourceConfig::Generated { .. }));
    if !generated {
        return Ok((
            1,
            Some("a trace or the seed example brings its own keys and runs as it is".into()),
        ));
    }
    // The coarsest model that keeps enough keys per key group, in the cell with fewest.
    let coarsest = grid
        .iter()
        .map(|c| {
            let keys = match c.config.workload.source {
                SourceConfig::Generated { key_space, .. } => {
                    u64::from(key_space) * u64::from(factor(&c.config))
                }
                _ => 0,
            };
            let groups = u64::from(c.config.job.max_parallelism.unwrap_or(128).max(1));
            (keys / (MIN_KEYS_PER_KEY_GROUP * groups)).clamp(1, u64::from(MAX_SAMPLE_EVERY)) as u32
        })
        .min()
        .unwrap_or(1)
        .max(own);
    let mut f = own;
    loop {
        if estimate(f)? <= aim_s {
            return Ok((f, None));
        }
        let next = f.saturating_mul(2);
        if next > coarsest {
            let limit = (f > 1 || coarsest > own).then(|| {
                format!(
                    "1:{f} is the coarsest model that keeps {MIN_KEYS_PER_KEY_GROUP} keys per key group, so the grid takes longer than the aim"
                )
            });
            return Ok((f, limit.or(Some("the real job cannot be scaled down further: the grid takes longer than the aim".into()))));
        }
        f = next;
    }
}

fn refused(cell: &Cell, errors: crate::engine::config::ConfigErrors) -> SweepError {
    SweepError::Cell {
        cell: cell.label(),
        errors,
    }
}

/// The grid's cells as the model 1:`to` (their settings as the person chose them, on the
/// real job's scale: a cell's `bandwidth_mbit_s=100` is 100 Mbit/s of the real job).
pub fn scaled_cells(grid: &[Cell], to: u32) -> Result<Vec<Cell>, SweepError> {
    grid.iter()
        .map(|cell| {
            if factor(&cell.config) == to {
                return Ok(cell.clone());
            }
            let config = rescaled(&cell.config, to).map_err(|errors| refused(cell, errors))?;
            Ok(Cell {
                config,
                ..cell.clone()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::presets::{standard_tuning, tuning_question};
    use crate::engine::report::sweep::{cells, parse_axis};

    fn span() -> Span {
        Span {
            warmup_us: 30_000_000,
            horizon_us: 300_000_000,
        }
    }

    #[test]
    fn the_choice_reads_auto_or_a_factor_and_names_what_is_wrong() {
        assert_eq!("auto".parse(), Ok(ScaleChoice::Auto));
        assert_eq!("8".parse(), Ok(ScaleChoice::Factor(8)));
        assert_eq!("1:4".parse(), Ok(ScaleChoice::Factor(4)));
        assert_eq!("1".parse(), Ok(ScaleChoice::Factor(1)));
        let e = "0".parse::<ScaleChoice>().unwrap_err();
        assert!(e.starts_with("scale: `0`"), "{e}");
        assert!("fast".parse::<ScaleChoice>().is_err());
        assert_eq!(ScaleChoice::Auto.to_string(), "auto");
    }

    #[test]
    fn auto_keeps_a_small_grid_real_and_scales_a_large_one_to_fit() {
        // A small job: 1:1 fits.
        let small = Config::default();
        let grid = cells(&small, &[parse_axis("interval_ms=1000,2000").unwrap()]).unwrap();
        let p = plan(&grid, span(), 2, ScaleChoice::Auto, 30.0, &NATIVE).unwrap();
        assert_eq!(p.factor, 1, "{p}");
        assert!(p.estimated_s <= 30.0);
        // The 4 × 4 grid of the standard tuning workload: over the aim at 1:1.
        let mut base = standard_tuning(20_000.0);
        base.checkpointing.policy = PolicyConfig::Fixed;
        let grid = cells(
            &base,
            &[
                parse_axis("interval_ms=1000,2000,5000,10000").unwrap(),
                parse_axis("bandwidth_mbit_s=100,250,500,1000").unwrap(),
            ],
        )
        .unwrap();
        let p = plan(&grid, span(), 2, ScaleChoice::Auto, 30.0, &NATIVE).unwrap();
        assert!(p.estimated_real_s > 30.0, "{p}");
        assert!(p.factor > 1 && p.factor.is_power_of_two(), "{p}");
        assert!(p.estimated_s <= 30.0, "{p}");
        // Half the factor would not fit: it is the smallest.
        let finer = plan(
            &grid,
            span(),
            2,
            ScaleChoice::Factor(p.factor / 2),
            30.0,
            &NATIVE,
        )
        .unwrap();
        assert!(finer.estimated_s > 30.0, "{finer}");
        assert!(p.to_string().contains("scale model 1:"), "{p}");
        // A chosen factor is kept as chosen.
        let chosen = plan(&grid, span(), 2, ScaleChoice::Factor(1), 30.0, &NATIVE).unwrap();
        assert_eq!(chosen.factor, 1);
        assert!(chosen.to_string().starts_with("cells run the real job"));
    }

    #[test]
    fn auto_stops_at_the_coarsest_model_that_keeps_enough_keys() {
        // 100k keys over 128 key groups: 1:16 would leave 48 keys each, 1:32 only 24.
        let grid = cells(
            &tuning_question(),
            &[parse_axis("interval_ms=15000,30000").unwrap()],
        )
        .unwrap();
        let p = plan(&grid, span(), 1, ScaleChoice::Auto, 0.001, &NATIVE).unwrap();
        assert_eq!(p.factor, 16, "{p}");
        assert!(p.limit.as_deref().unwrap().contains("coarsest"), "{p}");
    }

    #[test]
    fn a_model_cell_reports_the_real_jobs_bytes_and_replays_scaled_back_up() {
        use crate::engine::report::exposure::CrashTimes;
        use crate::engine::report::sweep::{expected_recovery_s, run_cell};
        let mut real = tuning_question();
        real.workload.source = SourceConfig::Generated {
            key_space: 16_384,
            distribution: crate::engine::partitioning::workload::KeyDistribution::Uniform,
            key_kind: crate::engine::partitioning::keygroups::KeyKind::String,
        };
        let grid = cells(&real, &[parse_axis("interval_ms=5000").unwrap()]).unwrap();
        let model = scaled_cells(&grid, 4).unwrap();
        let span = Span {
            warmup_us: 6_000_000,
            horizon_us: 20_000_000,
        };
        let crashes = CrashTimes::Exponential { mtbf_s: 3600.0 };
        let r = run_cell(&grid[0], None, span, crashes, |_| {}).unwrap();
        let m = run_cell(&model[0], None, span, crashes, |_| {}).unwrap();
        assert_eq!((r.scale, m.scale), (1, 4));
        let off = |a: f64, b: f64| (b - a).abs() / a;
        // What the model measures, scaled back up, is near the real job's: the bytes
        // within 5 %; recovery and replays within 20 % over this short a run, where the
        // model's four checkpoints fall a little apart from the real job's (the README and
        // `cargo bench --bench sweep_scale` give the differences over a 300 s horizon).
        // Unscaled, the model's replays would be a quarter of the real job's.
        assert!(
            off(r.bytes_shipped_per_hour, m.bytes_shipped_per_hour) < 0.05,
            "{} vs {}",
            r.bytes_shipped_per_hour,
            m.bytes_shipped_per_hour
        );
        assert!(
            off(expected_recovery_s(&r), expected_recovery_s(&m)) < 0.20,
            "{} vs {}",
            expected_recovery_s(&r),
            expected_recovery_s(&m)
        );
        let replayed = |c: &crate::engine::report::sweep::CellResult| {
            c.exposure.replayed_records.unwrap().mean
        };
        assert!(
            off(replayed(&r), replayed(&m)) < 0.10,
            "{} vs {}",
            replayed(&r),
            replayed(&m)
        );
    }

    #[test]
    fn the_example_configs_the_readme_sweeps_are_the_presets() {
        let read = |text: &str| serde_json::from_str::<Config>(text).unwrap();
        assert_eq!(
            read(include_str!(
                "../../../examples/configs/tuning-question.json"
            )),
            tuning_question()
        );
        let mut standard = standard_tuning(20_000.0);
        standard.checkpointing.policy = PolicyConfig::Fixed;
        assert_eq!(
            read(include_str!(
                "../../../examples/configs/standard-tuning-20k.json"
            )),
            standard
        );
    }

    #[test]
    fn scaled_cells_keep_their_settings_and_run_the_model() {
        let grid = cells(
            &tuning_question(),
            &[parse_axis("bandwidth_mbit_s=4,8").unwrap()],
        )
        .unwrap();
        let scaled = scaled_cells(&grid, 8).unwrap();
        assert_eq!(scaled[1].label(), grid[1].label());
        assert_eq!(scaled[1].config.workload.sample_every, 8);
        assert_eq!(scaled[1].config.link.bandwidth_mbit_s, 1.0);
        // Back to the real job.
        assert_eq!(scaled_cells(&scaled, 1).unwrap(), grid);
    }
}

//! The sweep's form: which one or two settings to vary and over what values, how far
//! ahead each cell runs, and the failure rate assumed. Values are typed as text (the
//! CLI's `--param` syntax after the `=`), each parameter offering values around the
//! running setting to start from; the engine's `parse_axis` reads them, so a bad value
//! is refused with the parameter's name and what it takes.

use crate::engine::config::Config;
use crate::engine::report::sweep::{parse_axis, Axis, Param, SweepError};
use crate::engine::report::sweep_scale::ScaleChoice;
use crate::engine::transfer::policy::PolicyConfig;

/// Look-aheads offered, in virtual seconds.
pub const HORIZONS_S: [u32; 4] = [60, 120, 300, 600];

/// What the person chose.
#[derive(Clone, Debug, PartialEq)]
pub struct Form {
    pub first: (Param, String),
    /// The second axis, if any.
    pub second: Option<(Param, String)>,
    pub horizon_s: u32,
    /// The mean time between failures assumed, in hours, as typed.
    pub mtbf_h: String,
    /// Whether the cells run as a scale model (auto: when the grid would be slow).
    pub scale: ScaleChoice,
}

/// The scale choices the form offers: auto, the real job, and models from 1:2 to 1:64.
pub const SCALES: [ScaleChoice; 8] = [
    ScaleChoice::Auto,
    ScaleChoice::Factor(1),
    ScaleChoice::Factor(2),
    ScaleChoice::Factor(4),
    ScaleChoice::Factor(8),
    ScaleChoice::Factor(16),
    ScaleChoice::Factor(32),
    ScaleChoice::Factor(64),
];

/// A scale choice as the form names it.
pub fn scale_label(choice: ScaleChoice) -> String {
    match choice {
        // Short: the dock's select is narrow; its title says what auto does.
        ScaleChoice::Auto => "auto".into(),
        ScaleChoice::Factor(1) => "1:1, the real job".into(),
        ScaleChoice::Factor(f) => format!("scale model 1:{f}"),
    }
}

impl Form {
    /// The form a run starts with: the checkpoint interval around the running one.
    pub fn for_config(config: &Config) -> Self {
        Self {
            first: (Param::IntervalMs, suggested(Param::IntervalMs, config)),
            second: None,
            horizon_s: 300,
            mtbf_h: format_hours(default_mtbf_s(config) / 3600.0),
            scale: ScaleChoice::Auto,
        }
    }

    /// The axes, read as the engine reads `--param NAME=VALUES`.
    pub fn axes(&self) -> Result<Vec<Axis>, SweepError> {
        let mut axes = vec![parse_axis(&format!(
            "{}={}",
            self.first.0.name(),
            self.first.1
        ))?];
        if let Some((param, values)) = &self.second {
            axes.push(parse_axis(&format!("{}={values}", param.name()))?);
        }
        Ok(axes)
    }

    /// The assumed MTBF in seconds, or why the text is not one.
    pub fn mtbf_s(&self) -> Result<f64, String> {
        match self.mtbf_h.trim().parse::<f64>() {
            Ok(h) if h.is_finite() && h > 0.0 && h <= 24.0 * 365.0 => Ok(h * 3600.0),
            _ => Err(format!(
                "MTBF: `{}` is not a number of hours between 0 and 8760",
                self.mtbf_h.trim()
            )),
        }
    }
}

/// The MTBF assumed unless the person says otherwise: Young–Daly's own when the run uses
/// that policy, else one failure an hour (Young–Daly's default).
pub fn default_mtbf_s(config: &Config) -> f64 {
    match config.checkpointing.policy {
        PolicyConfig::YoungDaly { mtbf_s, .. } => mtbf_s,
        _ => 3_600.0,
    }
}

fn format_hours(h: f64) -> String {
    let text = format!("{h:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// What each parameter is called on the page.
pub fn label(param: Param) -> &'static str {
    match param {
        Param::IntervalMs => "checkpoint interval (ms)",
        Param::Codec => "compression codec",
        Param::Incremental => "incremental checkpoints",
        Param::Policy => "scheduling policy",
        Param::Parallelism => "parallelism",
        Param::MaxParallelism => "max parallelism (key groups)",
        Param::NumRetained => "retained checkpoints",
        Param::BandwidthMbitS => "link bandwidth (Mbit/s)",
        Param::ChangeBudgetBytes => "adaptive: change budget B (bytes)",
        Param::ShipThresholdBytes => "adaptive: ship threshold (bytes)",
        Param::MtbfS => "Young–Daly: assumed MTBF (s)",
    }
}

/// Values around the running setting to start from.
pub fn suggested(param: Param, config: &Config) -> String {
    let k = &config.checkpointing;
    let around = |v: f64, factors: &[f64]| -> String {
        let mut values: Vec<u64> = factors
            .iter()
            .map(|f| (v * f).round().max(1.0) as u64)
            .collect();
        values.dedup();
        values
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    match param {
        Param::IntervalMs => match k.interval_ms {
            Some(ms) => around(ms as f64, &[0.25, 0.5, 1.0, 2.0]),
            None => "10000,30000,60000,off".into(),
        },
        Param::Codec => "none,snappy,lz4".into(),
        Param::Incremental => "false,true".into(),
        Param::Policy => "fixed,adaptive,young_daly".into(),
        Param::Parallelism => {
            let p = config.job.parallelism.max(1) as f64;
            let most = config.job.max_parallelism.unwrap_or(128) as f64;
            let mut values: Vec<u64> = [0.5, 1.0, 2.0]
                .iter()
                .map(|f| (p * f).round().clamp(1.0, most) as u64)
                .collect();
            values.dedup();
            values
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        }
        Param::MaxParallelism => "128,256,512".into(),
        Param::NumRetained => "1,2,3".into(),
        Param::BandwidthMbitS => {
            let b = config.link.bandwidth_mbit_s;
            [0.5, 1.0, 2.0, 4.0]
                .iter()
                .map(|f| format_hours(b * f))
                .collect::<Vec<_>>()
                .join(",")
        }
        Param::ChangeBudgetBytes => match k.policy {
            PolicyConfig::Adaptive {
                change_budget_bytes,
                ..
            } => around(change_budget_bytes as f64, &[0.5, 1.0, 2.0]),
            _ => "1048576,4194304,16777216".into(),
        },
        Param::ShipThresholdBytes => match k.policy {
            PolicyConfig::Adaptive {
                ship_threshold_bytes,
                ..
            } => around(ship_threshold_bytes as f64, &[0.5, 1.0, 2.0]),
            _ => "1024,4096,16384".into(),
        },
        Param::MtbfS => around(default_mtbf_s(config), &[0.25, 1.0, 4.0]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::presets::tuning_question;

    #[test]
    fn every_parameter_suggests_values_the_engine_reads() {
        let config = tuning_question();
        assert_eq!(
            suggested(Param::IntervalMs, &config),
            "15000,30000,60000,120000"
        );
        assert_eq!(suggested(Param::Parallelism, &config), "4,8,16");
        assert_eq!(suggested(Param::BandwidthMbitS, &config), "2,4,8,16");
        for param in Param::ALL {
            let axis = parse_axis(&format!("{}={}", param.name(), suggested(param, &config)))
                .unwrap_or_else(|e| panic!("{}: {e}", param.name()));
            assert!(axis.values.len() >= 2, "{}", param.name());
            assert!(!label(param).is_empty());
        }
    }

    #[test]
    fn the_form_reads_its_axes_and_names_what_is_wrong() {
        let config = tuning_question();
        let mut form = Form::for_config(&config);
        assert_eq!(form.axes().unwrap().len(), 1);
        assert_eq!(form.mtbf_s().unwrap(), 3_600.0);
        form.second = Some((Param::Codec, "none,zstd".into()));
        let err = form.axes().unwrap_err().to_string();
        assert!(err.starts_with("codec: `zstd`"), "{err}");
        form.second = Some((Param::Codec, " ".into()));
        assert_eq!(
            form.axes().unwrap_err().to_string(),
            "codec: the range holds no value"
        );
        form.mtbf_h = "soon".into();
        assert!(form.mtbf_s().unwrap_err().starts_with("MTBF: `soon`"));
    }
}

//! The scale model's marker (`engine::scale`): when the run is a model 1:F, the page says
//! so beside the caption with the real job's state and last checkpoint, scaled back up,
//! and that the other sizes on the page are the model's. Words only; the shell draws them.

use crate::engine::config::Config;
use crate::engine::report::format;
use crate::engine::report::stats::{CheckpointStats, CheckpointStatus};
use crate::engine::report::view::SimView;
use crate::engine::scale::Scale;

/// What the marker shows: a short chip and the sentence that explains it.
#[derive(Clone, Debug, PartialEq)]
pub struct ScaleMark {
    /// "scale model 1:64".
    pub label: String,
    /// "state ≈ 2.01 GiB · last checkpoint ≈ 1.93 GiB in 41.2 s".
    pub figures: String,
    /// What the model is and which numbers are scaled.
    pub explanation: String,
}

/// The marker of a run at 1:F, none for a run of the real job.
pub fn mark(config: &Config, view: &SimView, history: &[CheckpointStats]) -> Option<ScaleMark> {
    let scale = Scale::for_config(config);
    if !scale.is_model() {
        return None;
    }
    let f = scale.factor;
    let model_state: u64 = view.key_groups.iter().map(|k| k.raw_bytes).sum();
    let state = scale.state_bytes(model_state, view.key_groups.len() as u64);
    let mut figures = format!("state ≈ {}", format::bytes(state));
    if let Some(last) = history
        .iter()
        .rev()
        .find(|r| matches!(r.status, CheckpointStatus::Completed))
    {
        let c = scale.checkpoint(last);
        figures.push_str(&format!(
            " · checkpoint {} ≈ {}",
            last.id,
            format::bytes(c.full_checkpoint_size)
        ));
        if let Some(d) = c.end_to_end_duration_us {
            figures.push_str(&format!(" in {}", format::duration_us(d)));
        }
    }
    Some(ScaleMark {
        label: scale.label(),
        figures,
        explanation: format!(
            "A scale model 1:{f} of a job with about {} keys: it keeps every key group but \
             holds every {f}th key (their real names and key groups), and divides the record \
             rate, the subtasks' capacity, the link's bandwidth and the costs per byte by {f}, \
             so durations are the real job's while bytes are 1/{f}. The sizes here are the real \
             job's estimates (×{f}, each key group's and subtask's fixed bytes once); every \
             other size, count and rate on the page, and the settings, are the model's.",
            format::count(scale.count(model_keys(config)))
        ),
    })
}

/// A subtask's state as the pipeline labels it: for a model the real job's, with `≈`
/// (the caption says "scale model 1:F"); as measured otherwise.
pub fn subtask_bytes(config: &Config, model_bytes: u64, key_groups: u32) -> String {
    let scale = Scale::for_config(config);
    if scale.is_model() {
        format!(
            "≈ {}",
            format::bytes(scale.state_bytes(model_bytes, u64::from(key_groups)))
        )
    } else {
        format::bytes(model_bytes)
    }
}

/// The store's bytes as the pipeline labels them: for a model the real job's, with `≈`,
/// its chunks' fixed parts counted once (a header for each subtask of the job).
pub fn store_bytes(config: &Config, model_bytes: u64, chunks: u64) -> String {
    let scale = Scale::for_config(config);
    if scale.is_model() {
        let real = scale.bytes(
            model_bytes,
            chunks,
            scale.key_group_fixed,
            u64::from(config.job.parallelism),
        );
        format!("≈ {}", format::bytes(real))
    } else {
        format::bytes(model_bytes)
    }
}

fn model_keys(config: &Config) -> u64 {
    match &config.workload.source {
        crate::engine::partitioning::workload::SourceConfig::Generated { key_space, .. } => {
            u64::from(*key_space)
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipeline_labels_scale_a_model_and_leave_a_real_run_as_measured() {
        let real = Config::default();
        assert_eq!(subtask_bytes(&real, 2_048, 32), "2.00 KiB");
        assert_eq!(store_bytes(&real, 2_048, 32), "2.00 KiB");
        let model = crate::engine::scale::rescaled(&real, 10).unwrap();
        // 32 key groups' fixed raw bytes (22 each) once, the rest ×10.
        let fixed = 32 * 22;
        assert_eq!(
            subtask_bytes(&model, 2_048, 32),
            format!("≈ {}", format::bytes(fixed + 10 * (2_048 - fixed)))
        );
        assert!(store_bytes(&model, 200_000, 128).starts_with("≈ "));
    }
    use crate::engine::scale::rescaled;
    use crate::engine::sim::Simulation;

    #[test]
    fn a_model_is_marked_with_its_real_sizes_and_a_real_run_is_not() {
        let real = Config::default();
        let sim = Simulation::new(real.clone(), None).unwrap();
        assert_eq!(mark(sim.config(), &sim.view(), sim.history()), None);

        let model = rescaled(&real, 10).unwrap();
        let mut sim = Simulation::new(model, None).unwrap();
        sim.advance_to(5_000_000);
        let m = mark(sim.config(), &sim.view(), sim.history()).expect("a model is marked");
        assert_eq!(m.label, "scale model 1:10");
        assert!(m.figures.starts_with("state ≈ "), "{}", m.figures);
        assert!(m.figures.contains(" · checkpoint "), "{}", m.figures);
        assert!(m.explanation.contains("10,000") || m.explanation.contains("10\u{202f}000"));
        // The state shown is the model's scaled back up, not the model's own.
        let model_state: u64 = sim.view().key_groups.iter().map(|k| k.raw_bytes).sum();
        assert!(!m.figures.contains(&format::bytes(model_state)));
    }
}

#[cfg(test)]
mod field_tests {
    use crate::engine::config::Config;
    use crate::lab::fields::edit::try_edit;
    use crate::lab::fields::specs::SCALE_MODEL;

    #[test]
    fn the_settings_field_turns_the_whole_config_into_a_model_and_back() {
        let real = Config::default();
        let model = try_edit(&SCALE_MODEL, &real, "10").unwrap();
        assert_eq!((SCALE_MODEL.get)(&model), "10");
        assert_eq!(
            model.workload.rate.peak_rate(),
            real.workload.rate.peak_rate() / 10.0
        );
        assert_eq!(try_edit(&SCALE_MODEL, &model, "1").unwrap(), real);
        // Refused with what is allowed; nothing applied.
        let e = try_edit(&SCALE_MODEL, &real, "0").unwrap_err();
        assert!(e.contains("between 1"), "{e}");
        let mut trace = real.clone();
        trace.workload.source = crate::engine::partitioning::workload::SourceConfig::SeedExample;
        let e = try_edit(&SCALE_MODEL, &trace, "4").unwrap_err();
        assert!(e.contains("generated key space"), "{e}");
    }
}

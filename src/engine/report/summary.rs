//! Flink's checkpoint summary (min / avg / max over completed checkpoints) and its job
//! metrics, under Flink's names.

use crate::engine::report::stats::{CheckpointStats, CheckpointStatus};
use crate::engine::sim::Simulation;
use serde::Serialize;

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct MinAvgMax {
    pub min: f64,
    pub avg: f64,
    pub max: f64,
}

impl MinAvgMax {
    fn of(values: impl Iterator<Item = f64>) -> Option<Self> {
        let (mut n, mut sum, mut min, mut max) = (0usize, 0.0, f64::INFINITY, f64::NEG_INFINITY);
        for v in values {
            n += 1;
            sum += v;
            min = min.min(v);
            max = max.max(v);
        }
        (n > 0).then(|| MinAvgMax {
            min,
            avg: sum / n as f64,
            max,
        })
    }
}

/// The summary table of Flink's checkpoint UI. Durations in ms, sizes in bytes; `None` until
/// a checkpoint completed.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CheckpointSummary {
    pub end_to_end_duration_ms: Option<MinAvgMax>,
    pub checkpointed_data_size: Option<MinAvgMax>,
    pub full_checkpoint_size: Option<MinAvgMax>,
    pub sync_duration_ms: Option<MinAvgMax>,
    pub async_duration_ms: Option<MinAvgMax>,
    pub alignment_duration_ms: Option<MinAvgMax>,
    pub start_delay_ms: Option<MinAvgMax>,
    /// Raw over encoded bytes uploaded: the measured compression ratio C.
    pub compression_ratio: Option<MinAvgMax>,
}

/// Flink's job-level checkpoint metrics.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobMetrics {
    pub last_checkpoint_size: Option<u64>,
    pub last_checkpoint_full_size: Option<u64>,
    pub last_checkpoint_duration: Option<u64>,
    pub number_of_completed_checkpoints: u64,
    pub number_of_failed_checkpoints: u64,
    pub last_completed_checkpoint_id: Option<u64>,
}

pub fn summarize(history: &[CheckpointStats]) -> CheckpointSummary {
    let done: Vec<&CheckpointStats> = history
        .iter()
        .filter(|h| h.status == CheckpointStatus::Completed)
        .collect();
    let ms = |us: u64| us as f64 / 1000.0;
    let per_subtask =
        |f: &dyn Fn(&crate::engine::report::stats::SubtaskCheckpointStats) -> Option<u64>| {
            MinAvgMax::of(
                done.iter()
                    .flat_map(|h| h.subtasks.iter())
                    .filter_map(f)
                    .map(ms),
            )
        };
    CheckpointSummary {
        end_to_end_duration_ms: MinAvgMax::of(
            done.iter().filter_map(|h| h.end_to_end_duration_us).map(ms),
        ),
        checkpointed_data_size: MinAvgMax::of(done.iter().map(|h| h.checkpointed_data_size as f64)),
        full_checkpoint_size: MinAvgMax::of(done.iter().map(|h| h.full_checkpoint_size as f64)),
        sync_duration_ms: per_subtask(&|s| s.sync_us),
        async_duration_ms: per_subtask(&|s| s.async_us),
        alignment_duration_ms: per_subtask(&|s| s.alignment_us),
        start_delay_ms: per_subtask(&|s| s.start_delay_us),
        compression_ratio: MinAvgMax::of(
            done.iter()
                .filter(|h| h.checkpointed_data_size > 0)
                .map(|h| h.raw_data_size as f64 / h.checkpointed_data_size as f64),
        ),
    }
}

impl Simulation {
    pub fn checkpoint_summary(&self) -> CheckpointSummary {
        summarize(self.history())
    }

    pub fn job_metrics(&self) -> JobMetrics {
        let last = self
            .history()
            .iter()
            .rev()
            .find(|h| h.status == CheckpointStatus::Completed);
        JobMetrics {
            last_checkpoint_size: last.map(|h| h.checkpointed_data_size),
            last_checkpoint_full_size: last.map(|h| h.full_checkpoint_size),
            last_checkpoint_duration: last.and_then(|h| h.end_to_end_duration_us.map(|d| d / 1000)),
            number_of_completed_checkpoints: self.counts().completed,
            number_of_failed_checkpoints: self.counts().failed,
            last_completed_checkpoint_id: last.map(|h| h.id),
        }
    }
}

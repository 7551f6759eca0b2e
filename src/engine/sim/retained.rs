//! Glue for a job submitted from a retained checkpoint (`flink run -s DIR`), possibly at
//! another parallelism: the checkpoint is checked against the job and every chunk decoded
//! before anything runs; then its chunks go into the store as the one completed
//! checkpoint, and the job starts the way it restarts after a failure, so the engine's
//! own recovery restores it — downloads over the link, decoding, key groups assigned to
//! the subtasks of their new ranges, the source rewound to the oldest chunk's offset with
//! each key group skipping what its chunk holds, and the exactly-once check against the
//! no-failure run once the replay has caught up with where the old job stopped.

use std::sync::Arc;

use super::timers::Timer;
use super::Simulation;
use crate::engine::config::{Config, ConfigErrors};
use crate::engine::partitioning::trace::Trace;
use crate::engine::recovery::retained::{RetainedCheckpoint, RetainedError};
use crate::engine::report::stats::FailureCause;
use crate::engine::state::snapshot;
use crate::engine::transfer::store::{ChunkRef, CompletedCheckpoint};

/// Why a job could not be started from a retained checkpoint.
#[derive(Clone, Debug, PartialEq)]
pub enum FromCheckpointError {
    /// The config itself is refused.
    Config(ConfigErrors),
    /// The checkpoint does not fit the job.
    Checkpoint(RetainedError),
}

impl std::fmt::Display for FromCheckpointError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FromCheckpointError::Config(e) => write!(f, "{e}"),
            FromCheckpointError::Checkpoint(e) => write!(f, "the checkpoint: {e}"),
        }
    }
}

impl std::error::Error for FromCheckpointError {}

impl Simulation {
    /// The job `config` (its parallelism may differ from the checkpoint's: a rescale from
    /// a checkpoint) started from `retained`, its clock at the moment the old job stopped.
    /// Refused whole, before anything runs, when the checkpoint does not fit the job.
    pub fn from_checkpoint(
        config: Config,
        trace: Option<&Trace>,
        retained: &RetainedCheckpoint,
    ) -> Result<Self, FromCheckpointError> {
        let refuse = FromCheckpointError::Checkpoint;
        config.validate().map_err(FromCheckpointError::Config)?;
        let max_p = config
            .partitioning()
            .map_err(FromCheckpointError::Config)?
            .max_parallelism();
        if retained.max_parallelism != max_p {
            return Err(refuse(RetainedError::MaxParallelism {
                checkpoint: retained.max_parallelism,
                job: max_p,
            }));
        }
        retained.check_shape().map_err(refuse)?;
        let mut sim = Self::start_at(config, trace, retained.stopped_at_us)
            .map_err(FromCheckpointError::Config)?;
        let fingerprint = sim.source_fingerprint();
        if fingerprint != retained.source_fingerprint {
            return Err(refuse(RetainedError::OtherSource {
                checkpoint: retained.source_fingerprint,
                job: fingerprint,
            }));
        }
        // Every chunk decodes as this job's state now, so the restore cannot fall back
        // half-way (with no older checkpoint, a fallback would start from empty state).
        for c in &retained.chunks {
            snapshot::decode(
                &c.bytes,
                c.key_group,
                sim.job.layout(),
                c.codec,
                c.with_header,
                sim.workload().config().value_model,
                sim.workload().keys(),
            )
            .map_err(|error| {
                refuse(RetainedError::Chunk {
                    key_group: c.key_group,
                    error,
                })
            })?;
        }
        let mut chunks: Vec<_> = retained.chunks.iter().collect();
        chunks.sort_by_key(|c| c.key_group);
        let manifest = chunks
            .into_iter()
            .map(|c| ChunkRef {
                key_group: c.key_group,
                chunk: sim.store.put(
                    retained.checkpoint,
                    c.key_group,
                    c.codec,
                    c.raw_len,
                    Arc::new(c.bytes.clone()),
                    c.with_header,
                ),
                offset: c.source_offset,
                captured_at_us: c.captured_at_us,
            })
            .collect();
        let checkpoint = CompletedCheckpoint {
            id: retained.checkpoint,
            offset: retained.source_offset,
            triggered_at_us: retained.triggered_at_us,
            completed_at_us: retained.completed_at_us,
            parallelism: retained.parallelism,
            manifest,
        };
        sim.recovery.plan(&checkpoint, &sim.store);
        sim.store
            .complete(checkpoint, sim.config.checkpointing.num_retained);
        // Checkpoint ids go on from the restored one, as Flink's counter does.
        sim.coordinator.continue_after(retained.checkpoint);
        // The job starts as it restarts after a failure: at once (no restart delay), with
        // the checkpoint's source position as the point the replay must catch up with.
        sim.coordinator.disarm();
        sim.job.fail();
        let restart_at = sim.recovery.fail(
            sim.now,
            FailureCause::Resubmitted {
                checkpoint: retained.checkpoint,
                from: retained.parallelism,
                to: sim.job.partitioning().parallelism(),
            },
            retained.stopped_at_offset,
            sim.job.partitioning().parallelism(),
            0,
        );
        sim.schedule_in_epoch(restart_at, Timer::Restart);
        Ok(sim)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::partitioning::workload::{RateProfile, ValueModel};
    use crate::engine::recovery::retained::RetainedChunk;
    use crate::engine::report::result::keyed_result;
    use crate::engine::state::codec::Codec;
    use crate::engine::transfer::policy::PolicyConfig;

    /// A bounded source (drained long before the end), so both runs end with every record
    /// applied.
    fn bounded(parallelism: u32, codec: Codec) -> Config {
        let mut c = Config::default();
        c.workload.value_model = ValueModel::Counter;
        c.workload.rate = RateProfile::Constant {
            records_per_s: 2000.0,
        };
        c.workload.limit = Some(30_000);
        c.job.parallelism = parallelism;
        c.checkpointing.codec = codec;
        c
    }

    /// The latest completed checkpoint of `sim` as it would be exported at `sim`'s clock.
    fn retain(sim: &Simulation) -> RetainedCheckpoint {
        let cp = sim.store().latest().expect("a completed checkpoint");
        RetainedCheckpoint {
            checkpoint: cp.id,
            source_offset: cp.offset,
            triggered_at_us: cp.triggered_at_us,
            completed_at_us: cp.completed_at_us,
            parallelism: cp.parallelism,
            max_parallelism: sim.partitioning().max_parallelism(),
            source_fingerprint: sim.source_fingerprint(),
            stopped_at_us: sim.now_us(),
            stopped_at_offset: sim.source_offset(),
            chunks: cp
                .manifest
                .iter()
                .map(|m| {
                    let c = sim.store().chunk(m.chunk).unwrap();
                    RetainedChunk {
                        key_group: m.key_group,
                        source_offset: m.offset,
                        captured_at_us: m.captured_at_us,
                        codec: c.codec,
                        with_header: c.with_header,
                        raw_len: c.raw_len,
                        bytes: c.bytes.to_vec(),
                    }
                })
                .collect(),
        }
    }

    fn values(sim: &Simulation) -> Vec<String> {
        keyed_result(sim).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_restore_at_another_parallelism_ends_where_the_straight_run_ends() {
        for codec in Codec::ALL {
            let mut before = Simulation::new(bounded(2, codec), None).unwrap();
            before.advance_to(7_000_000);
            let retained = retain(&before);
            let mut restored =
                Simulation::from_checkpoint(bounded(3, codec), None, &retained).unwrap();
            assert_eq!(restored.now_us(), 7_000_000);
            restored.advance_to(40_000_000);
            let mut straight = Simulation::new(bounded(2, codec), None).unwrap();
            straight.advance_to(40_000_000);
            assert_eq!(values(&restored), values(&straight), "{codec:?}");
            assert!(!values(&restored).is_empty());
            assert!(keyed_result(&restored).iter().all(|r| r.subtask < 3));
            let rec = restored.recoveries().last().unwrap();
            assert_eq!(rec.checkpoint, Some(retained.checkpoint));
            assert_eq!(rec.parallelism, 3);
            let verdict = rec.exactly_once.as_ref().expect("caught up and checked");
            assert!(verdict.differing_key_groups.is_empty(), "{codec:?}");
            assert!(verdict.offset >= retained.stopped_at_offset);
            // The job checkpoints on, its ids after the restored one.
            let next = restored.history().first().expect("checkpoints after").id;
            assert!(next > retained.checkpoint);
        }
    }

    /// With the adaptive policy some key groups' chunks are older than the checkpoint:
    /// replay starts at the oldest, each key group skipping what it holds.
    #[test]
    fn older_chunks_of_an_adaptive_checkpoint_are_replayed_from_their_own_offsets() {
        let adaptive = |p: u32| {
            let mut c = bounded(p, Codec::Lz4);
            c.job.max_parallelism = Some(32);
            c.workload.rate = RateProfile::Constant {
                records_per_s: 5000.0,
            };
            c.workload.limit = Some(60_000);
            c.checkpointing.incremental = true;
            c.checkpointing.policy = PolicyConfig::Adaptive {
                window_ms: 1000,
                change_budget_bytes: 20_000,
                min_interval_ms: 200,
                max_interval_ms: 1000,
                ship_threshold_bytes: 200_000,
                max_staleness_ms: 4000,
            };
            c
        };
        let mut before = Simulation::new(adaptive(4), None).unwrap();
        before.advance_to(6_000_000);
        let retained = retain(&before);
        assert!(
            retained
                .chunks
                .iter()
                .any(|c| c.source_offset < retained.source_offset),
            "the test needs a key group left waiting"
        );
        let mut restored = Simulation::from_checkpoint(adaptive(3), None, &retained).unwrap();
        restored.advance_to(30_000_000);
        let mut straight = Simulation::new(adaptive(4), None).unwrap();
        straight.advance_to(30_000_000);
        assert_eq!(values(&restored), values(&straight));
        let verdict = restored.recoveries()[0].exactly_once.clone().unwrap();
        assert!(verdict.differing_key_groups.is_empty());
    }

    #[test]
    fn a_checkpoint_that_does_not_fit_the_job_is_refused_before_anything_runs() {
        let mut before = Simulation::new(bounded(2, Codec::Snappy), None).unwrap();
        before.advance_to(7_000_000);
        let retained = retain(&before);
        let err = |config: Config, r: &RetainedCheckpoint| {
            Simulation::from_checkpoint(config, None, r)
                .expect_err("refused")
                .to_string()
        };
        let mut other_max = bounded(2, Codec::Snappy);
        other_max.job.max_parallelism = Some(64);
        assert!(err(other_max, &retained).contains(
            "max parallelism: the checkpoint has 128 key groups, the job is configured with 64"
        ));
        let mut other_seed = bounded(2, Codec::Snappy);
        other_seed.seed += 1;
        assert!(err(other_seed, &retained).starts_with("the checkpoint: workload: "));
        let mut other_limit = bounded(2, Codec::Snappy);
        other_limit.workload.limit = Some(1000);
        assert!(err(other_limit, &retained).contains("other records"));
        let mut damaged = retained.clone();
        let kg = damaged.chunks[9].key_group;
        let len = damaged.chunks[9].bytes.len();
        damaged.chunks[9].bytes[len - 3] ^= 0x10;
        let e = err(bounded(2, Codec::Snappy), &damaged);
        assert!(
            e.starts_with(&format!("the checkpoint: key group {kg}: ")),
            "{e}"
        );
        let mut missing = retained.clone();
        missing.chunks.remove(4);
        assert_eq!(
            err(bounded(2, Codec::Snappy), &missing),
            "the checkpoint: key group 4: no chunk in the checkpoint"
        );
        let mut bad_p = bounded(2, Codec::Snappy);
        bad_p.job.parallelism = 0;
        assert!(err(bad_p, &retained).contains("job.parallelism"));
    }
}

//! Failure, recovery and exactly-once: whatever crashes and rescales happen, once the job
//! has replayed and drained, its state equals the no-failure run's.

use proptest::prelude::*;
use statelab::engine::config::Config;
use statelab::engine::faults::FaultError;
use statelab::engine::partitioning::workload::{
    KeyDistribution, KeyKind, SourceConfig, ValueModel,
};
use statelab::engine::report::stats::{CheckpointStatus, ChunkFault, JobStatus};
use statelab::engine::sim::Simulation;
use statelab::engine::state::codec::Codec;
use statelab::engine::state::keyed::KeyValue;

mod common;
use common::{run_to_end as run_to_end_within, small_config as config};

fn run_to_end(sim: &mut Simulation, limit: u64) {
    run_to_end_within(sim, limit, 120_000_000);
}

#[test]
fn seed_document_job_sums_per_key() {
    let mut c = Config::default();
    c.workload.source = SourceConfig::SeedExample;
    c.workload.value_model = ValueModel::Counter;
    c.job.parallelism = 2;
    let mut sim = Simulation::new(c, None).unwrap();
    sim.advance_to(1_000_000);
    let keys = sim.workload().keys().clone();
    let mut sums = Vec::new();
    for kg in 0..sim.partitioning().max_parallelism() {
        let st = sim.key_group_state(kg);
        for (slot, v) in st.iter() {
            let key = keys.key(keys.members(kg)[slot]).to_string();
            if let KeyValue::Counter { sum, .. } = v {
                sums.push((key, sum));
            }
        }
    }
    sums.sort();
    let want: Vec<(String, i64)> = [("a", 1), ("b", 2), ("c", 3), ("d", 4)]
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    assert_eq!(sums, want);
}

#[test]
fn checkpoints_complete_and_store_keeps_num_retained() {
    let mut sim = Simulation::new(
        config(
            1,
            Codec::Lz4,
            false,
            ValueModel::Events { keep: 3 },
            3,
            1_000_000,
        ),
        None,
    )
    .unwrap();
    sim.advance_to(3_000_000);
    let completed = sim
        .history()
        .iter()
        .filter(|h| h.status == CheckpointStatus::Completed)
        .count();
    assert!(completed >= 8, "only {completed} checkpoints completed");
    assert_eq!(sim.store().completed().count(), 2);
    let latest = sim.store().latest().unwrap();
    assert_eq!(
        latest.manifest.len(),
        32,
        "a full checkpoint covers every key group"
    );
    for r in &latest.manifest {
        assert!(sim.store().chunk(r.chunk).is_some());
    }
    let h = sim
        .history()
        .iter()
        .rev()
        .find(|h| h.status == CheckpointStatus::Completed)
        .unwrap();
    assert!(
        h.checkpointed_data_size > 0 && h.raw_data_size > h.checkpointed_data_size,
        "LZ4 must shrink events text"
    );
    assert_eq!(h.acknowledged_subtasks, 3);
}

#[test]
fn incremental_ships_only_changed_key_groups() {
    let mut c = config(5, Codec::Snappy, true, ValueModel::Counter, 2, 1_000_000);
    c.workload.source = SourceConfig::Generated {
        key_space: 1000,
        distribution: KeyDistribution::HotSet {
            hot_keys: 3,
            hot_fraction: 1.0,
        },
        key_kind: KeyKind::String,
    };
    let mut sim = Simulation::new(c, None).unwrap();
    sim.advance_to(3_000_000);
    let done: Vec<_> = sim
        .history()
        .iter()
        .filter(|h| h.status == CheckpointStatus::Completed)
        .collect();
    assert!(done.len() >= 3);
    assert_eq!(
        done[0].key_groups_shipped, 32,
        "the first checkpoint ships everything"
    );
    let later = done.last().unwrap();
    assert!(
        later.key_groups_shipped <= 3,
        "shipped {}",
        later.key_groups_shipped
    );
    assert_eq!(later.key_groups_shipped + later.key_groups_skipped, 32);
    assert!(later.checkpointed_data_size < later.full_checkpoint_size);
}

#[test]
fn crash_then_restore_is_exactly_once() {
    let mut sim = Simulation::new(
        config(
            3,
            Codec::Snappy,
            true,
            ValueModel::Events { keep: 2 },
            4,
            6_000,
        ),
        None,
    )
    .unwrap();
    sim.advance_to(1_700_000);
    let before = sim.source_offset();
    sim.crash_job();
    assert!(matches!(sim.status(), JobStatus::Restarting { .. }));
    sim.advance_by(300_000);
    run_to_end(&mut sim, 6_000);
    let rec = &sim.recoveries()[0];
    assert!(rec.checkpoint.is_some());
    assert!(rec.restore_offset < before);
    assert!(rec.downloaded_bytes > 0);
    assert!(rec.exactly_once.as_ref().is_some_and(|r| r.ok()));
    assert!(rec.recovery_time_us().unwrap() > 100_000);
}

#[test]
fn rescale_moves_whole_key_groups() {
    let mut sim = Simulation::new(
        config(4, Codec::Lz4, false, ValueModel::Counter, 4, 5_000),
        None,
    )
    .unwrap();
    sim.advance_to(1_200_000);
    sim.rescale(3).unwrap();
    assert_eq!(
        sim.config().job.parallelism,
        3,
        "the config follows the rescale"
    );
    sim.advance_by(500_000);
    assert_eq!(sim.partitioning().parallelism(), 3);
    run_to_end(&mut sim, 5_000);
    assert!(sim.rescale(0).is_err());
    assert!(matches!(
        sim.rescale(33),
        Err(FaultError::BadParallelism {
            parallelism: 33,
            ..
        })
    ));
}

#[test]
fn a_corrupt_chunk_falls_back_to_an_older_checkpoint() {
    for codec in Codec::ALL {
        let mut sim =
            Simulation::new(config(6, codec, false, ValueModel::Counter, 2, 6_000), None).unwrap();
        sim.advance_to(1_600_000);
        let latest = sim.store().latest().unwrap().clone();
        assert!(sim.store().completed().count() == 2);
        let corrupted = latest.manifest[5];
        sim.corrupt_chunk(corrupted.chunk, 200).unwrap();
        sim.crash_job();
        run_to_end(&mut sim, 6_000);
        let rec = &sim.recoveries()[0];
        assert_eq!(rec.fallbacks.len(), 1, "{:?}", rec.fallbacks);
        let fallback = &rec.fallbacks[0];
        assert_eq!(
            (fallback.from, fallback.chunk, fallback.key_group),
            (latest.id, corrupted.chunk, corrupted.key_group)
        );
        // Compressed chunks carry their own checksums (CRC-32C per Snappy block, LZ4's
        // content checksum); an uncompressed one has the store's CRC-32.
        match codec {
            Codec::None => assert!(
                matches!(fallback.fault, ChunkFault::Codec { .. }),
                "{codec}: {fallback}"
            ),
            _ => assert!(
                matches!(fallback.fault, ChunkFault::Snapshot { .. }),
                "{codec}: {fallback}"
            ),
        }
        assert_eq!(fallback.to, rec.checkpoint);
        assert!(rec.checkpoint.unwrap() < latest.id);
    }
}

#[test]
fn clones_stay_identical_and_runs_are_reproducible() {
    let c = config(
        8,
        Codec::Snappy,
        true,
        ValueModel::RandomBytes { len: 32 },
        3,
        1_000_000,
    );
    let mut a = Simulation::new(c.clone(), None).unwrap();
    a.advance_to(900_000);
    let mut b = a.clone();
    a.crash_job();
    b.crash_job();
    a.advance_to(2_500_000);
    b.advance_to(2_500_000);
    assert_eq!(a.digest(), b.digest());
    let mut fresh = Simulation::new(c, None).unwrap();
    fresh.advance_to(900_000);
    fresh.crash_job();
    fresh.advance_to(2_500_000);
    assert_eq!(a.digest(), fresh.digest());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn any_crashes_and_rescales_end_exactly_once(
        seed in any::<u64>(),
        codec in prop_oneof![Just(Codec::None), Just(Codec::Lz4), Just(Codec::Snappy)],
        incremental in any::<bool>(),
        model in prop_oneof![
            Just(ValueModel::Counter),
            (1u8..5).prop_map(|keep| ValueModel::Events { keep }),
            Just(ValueModel::RandomBytes { len: 24 }),
        ],
        parallelism in 1u32..6,
        faults in proptest::collection::vec((50_000u64..3_000_000, 0u8..4, 1u32..8), 0..4),
    ) {
        let limit = 5_000;
        let mut sim = Simulation::new(config(seed, codec, incremental, model, parallelism, limit), None).unwrap();
        let mut faults = faults;
        faults.sort();
        for (at, kind, p) in faults {
            sim.advance_to(at.max(sim.now_us()));
            match kind {
                0 => sim.crash_job(),
                // The subtasks the job runs (or, during a rescale's restart, restarts) with.
                1 => sim.crash_subtask(p % sim.config().job.parallelism).unwrap(),
                2 => sim.rescale(p).unwrap(),
                // Crash again shortly after: often during the restore itself.
                _ => {
                    sim.crash_job();
                    sim.advance_by(120_000 + u64::from(p) * 7_000);
                    sim.crash_job();
                }
            }
        }
        run_to_end(&mut sim, limit);
        for rec in sim.recoveries() {
            if let Some(r) = &rec.exactly_once {
                prop_assert!(r.ok(), "a recovery diverged: {:?}", r);
            }
        }
    }
}

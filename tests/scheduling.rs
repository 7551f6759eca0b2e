//! Scheduling policies and faults: each policy does what its rule says, faults are
//! retried, counted and survived, and whatever the fault schedule, state ends exactly-once.

use proptest::prelude::*;
use statelab::engine::config::Config;
use statelab::engine::faults::{Fault, ScheduledFault};
use statelab::engine::partitioning::workload::{
    KeyDistribution, KeyKind, RateProfile, SourceConfig, ValueModel,
};
use statelab::engine::report::stats::{
    CheckpointFailure, CheckpointStatus, ChunkFault, FailureCause, JobStatus,
};
use statelab::engine::sim::{Reconfigured, Simulation};
use statelab::engine::state::codec::Codec;
use statelab::engine::transfer::policy::{
    daly_interval_s, Clamp, CostSource, IntervalRule, PolicyConfig, ShipReason,
};

mod common;
use common::{run_to_end, small_config};

fn adaptive(budget: u64, threshold: u64, staleness_ms: u64) -> PolicyConfig {
    PolicyConfig::Adaptive {
        window_ms: 2_000,
        change_budget_bytes: budget,
        min_interval_ms: 200,
        max_interval_ms: 5_000,
        ship_threshold_bytes: threshold,
        max_staleness_ms: staleness_ms,
    }
}

fn completed(sim: &Simulation) -> Vec<&statelab::engine::report::stats::CheckpointStats> {
    sim.history()
        .iter()
        .filter(|h| h.status == CheckpointStatus::Completed)
        .collect()
}

#[test]
fn adaptive_interval_follows_the_change_rate() {
    let mut c = small_config(
        1,
        Codec::Lz4,
        true,
        ValueModel::Events { keep: 2 },
        2,
        10_000_000,
    );
    c.workload.rate = RateProfile::Ramp {
        from_per_s: 200.0,
        to_per_s: 4_000.0,
        over_s: 10.0,
    };
    c.job.records_per_s_per_subtask = 10_000.0;
    c.checkpointing.policy = adaptive(200_000, 0, 60_000);
    let mut sim = Simulation::new(c, None).unwrap();
    sim.advance_to(3_000_000);
    let slow = sim.interval_decision().unwrap();
    sim.advance_to(12_000_000);
    let fast = sim.interval_decision().unwrap();
    assert!(
        fast.interval_us < slow.interval_us / 3,
        "interval {} µs at a high change rate, {} µs at a low one",
        fast.interval_us,
        slow.interval_us
    );
    // The rule is T = B / D, within the bounds.
    let d = sim.measured().change_bytes_per_s;
    let want = ((200_000.0 / d) * 1e6).clamp(200_000.0, 5_000_000.0);
    assert!(
        (fast.interval_us as f64 - want).abs() < 1_000.0,
        "{} vs {want}",
        fast.interval_us
    );
    assert!(
        matches!(
            fast.rule,
            IntervalRule::ChangeBudget {
                budget_bytes: 200_000,
                clamp: Clamp::Within,
                ..
            }
        ),
        "{}",
        fast.rule
    );
    assert!(fast.rule.to_string().contains("T = B / D"));
    // Triggers really follow the decision: the last gaps are near the current interval.
    let triggers: Vec<u64> = completed(&sim).iter().map(|h| h.trigger_time_us).collect();
    let gap = triggers[triggers.len() - 1] - triggers[triggers.len() - 2];
    assert!(gap < slow.interval_us, "gap {gap}");
}

#[test]
fn adaptive_ships_hot_key_groups_and_bounds_staleness() {
    let mut c = small_config(2, Codec::Snappy, true, ValueModel::Counter, 2, 10_000_000);
    c.workload.source = SourceConfig::Generated {
        key_space: 2_000,
        distribution: KeyDistribution::HotSet {
            hot_keys: 5,
            hot_fraction: 0.97,
        },
        key_kind: KeyKind::String,
    };
    c.checkpointing.policy = adaptive(20_000, 2_000, 3_000);
    let mut sim = Simulation::new(c, None).unwrap();
    sim.advance_to(15_000_000);
    let done = completed(&sim);
    assert!(done.len() >= 5);
    let later = &done[done.len() - 1];
    assert!(
        later.key_groups_shipped < 32,
        "a later checkpoint ships only some key groups"
    );
    let view = sim.view();
    let reasons = sim.ship_reasons();
    assert!(reasons.contains(&Some(ShipReason::OverThreshold)));
    assert!(reasons
        .iter()
        .any(|r| matches!(r, Some(ShipReason::BelowThreshold | ShipReason::Unchanged))));
    // Recovery point bound: every key group in the latest checkpoint was captured within
    // the staleness bound plus one maximum interval before it was triggered.
    let latest = sim.store().latest().unwrap().clone();
    let oldest = latest.manifest.iter().map(|m| m.offset).min().unwrap();
    let age_records = latest.offset - oldest;
    assert!(
        age_records <= 2_000 * 8,
        "a key group lags {age_records} records behind"
    );
    assert!(view.store.checkpoints.last().unwrap().chunks.len() == 32);
    // And a crash still recovers exactly-once, replaying from the oldest key group.
    sim.crash_job();
    sim.advance_by(4_000_000);
    let rec = &sim.recoveries()[0];
    assert!(rec.restore_offset <= latest.offset);
    assert!(rec.exactly_once.as_ref().is_some_and(|r| r.ok()), "{rec:?}");
}

#[test]
fn young_daly_uses_the_measured_checkpoint_cost() {
    let mut c = small_config(
        3,
        Codec::None,
        false,
        ValueModel::RandomBytes { len: 64 },
        2,
        10_000_000,
    );
    c.link.bandwidth_mbit_s = 2.0;
    c.checkpointing.policy = PolicyConfig::YoungDaly {
        mtbf_s: 60.0,
        min_interval_ms: 100,
        max_interval_ms: 60_000,
    };
    let mut sim = Simulation::new(c, None).unwrap();
    let before = sim.interval_decision().unwrap();
    assert!(matches!(
        before.rule,
        IntervalRule::YoungDaly {
            cost: CostSource::Estimated,
            ..
        }
    ));
    sim.advance_to(25_000_000);
    let d = sim.interval_decision().unwrap();
    assert!(matches!(
        d.rule,
        IntervalRule::YoungDaly {
            cost: CostSource::Measured,
            ..
        }
    ));
    let cost = sim.measured().checkpoint_cost_s.unwrap();
    let want = (daly_interval_s(cost, 60.0) * 1e6).clamp(100_000.0, 60_000_000.0);
    assert!((d.interval_us as f64 - want).abs() < 1_000.0);
    assert!(completed(&sim).len() >= 3);
}

#[test]
fn dropped_transfers_are_retried_and_counted() {
    let mut c = small_config(4, Codec::Lz4, false, ValueModel::Counter, 2, 10_000_000);
    c.faults = vec![ScheduledFault {
        at_ms: 250,
        fault: Fault::DropTransfers { count: 3 },
    }];
    let mut sim = Simulation::new(c, None).unwrap();
    sim.advance_to(2_000_000);
    assert_eq!(sim.transfer_counts().dropped, 3);
    assert_eq!(sim.transfer_counts().retried, 3);
    assert!(
        completed(&sim).len() >= 4,
        "retries let checkpoints complete"
    );
    assert_eq!(sim.counts().failed, 0);
}

#[test]
fn an_outage_fails_checkpoints_by_timeout_and_restarts_the_job_past_tolerance() {
    let mut c = small_config(5, Codec::Lz4, false, ValueModel::Counter, 2, 10_000_000);
    c.checkpointing.timeout_ms = 400;
    c.checkpointing.tolerable_failed = 1;
    c.faults = vec![ScheduledFault {
        at_ms: 1_000,
        fault: Fault::LinkOutage { duration_ms: 3_000 },
    }];
    let mut sim = Simulation::new(c, None).unwrap();
    sim.advance_to(2_500_000);
    let failed: Vec<_> = sim
        .history()
        .iter()
        .filter(|h| {
            matches!(
                &h.status,
                CheckpointStatus::Failed(CheckpointFailure::Expired { timeout_ms: 400 })
            )
        })
        .collect();
    assert!(
        failed.len() >= 2,
        "{:?}",
        sim.history().iter().map(|h| &h.status).collect::<Vec<_>>()
    );
    assert!(
        !sim.recoveries().is_empty(),
        "more failures than tolerable restart the job"
    );
    assert_eq!(
        sim.recoveries()[0].cause,
        FailureCause::TolerableFailuresExceeded { tolerable: 1 }
    );
    // Replay after the restore backs the channels up, barriers queue behind records and
    // checkpoints keep timing out: a restart loop, as a too-short timeout causes in Flink.
    sim.advance_to(7_000_000);
    assert!(sim.recoveries().len() >= 3, "expected a restart loop");
    // A timeout long enough for catch-up ends the loop (changed live, as Flink allows).
    let mut longer = sim.config().clone();
    longer.checkpointing.timeout_ms = 10_000;
    assert!(matches!(sim.reconfigure(longer), Ok(Reconfigured::Live(_))));
    sim.advance_to(20_000_000);
    assert_eq!(*sim.status(), JobStatus::Running);
    assert!(sim
        .recoveries()
        .last()
        .unwrap()
        .exactly_once
        .as_ref()
        .is_some_and(|r| r.ok()));
    assert!(completed(&sim).last().unwrap().trigger_time_us > 8_000_000);
}

#[test]
fn an_unavailable_store_fails_the_checkpoint_and_a_lost_chunk_forces_a_fallback() {
    let mut c = small_config(6, Codec::Snappy, true, ValueModel::Counter, 2, 10_000_000);
    c.checkpointing.tolerable_failed = 10;
    c.faults = vec![
        ScheduledFault {
            at_ms: 1_000,
            fault: Fault::StoreUnavailable { duration_ms: 500 },
        },
        ScheduledFault {
            at_ms: 2_950,
            fault: Fault::LoseChunk { key_group: 7 },
        },
        ScheduledFault {
            at_ms: 3_000,
            fault: Fault::CrashJob,
        },
    ];
    let mut sim = Simulation::new(c, None).unwrap();
    sim.advance_to(8_000_000);
    assert!(sim.history().iter().any(|h| matches!(
        &h.status,
        CheckpointStatus::Failed(CheckpointFailure::StoreUnavailable { .. })
    )));
    let rec = &sim.recoveries()[0];
    assert_eq!(rec.fallbacks.len(), 1, "{:?}", rec.fallbacks);
    assert_eq!(rec.fallbacks[0].fault, ChunkFault::Missing);
    assert_eq!(rec.fallbacks[0].key_group, 7);
    assert!(rec.exactly_once.as_ref().is_some_and(|r| r.ok()));
}

#[test]
fn latency_spikes_and_bandwidth_changes_show_in_checkpoint_durations() {
    let mut c = small_config(
        7,
        Codec::None,
        false,
        ValueModel::Events { keep: 4 },
        2,
        10_000_000,
    );
    c.checkpointing.interval_ms = Some(500);
    c.faults = vec![
        ScheduledFault {
            at_ms: 2_000,
            fault: Fault::LatencySpike {
                latency_ms: 200.0,
                duration_ms: 1_000,
            },
        },
        ScheduledFault {
            at_ms: 4_000,
            fault: Fault::SetBandwidth { mbit_s: 1.0 },
        },
    ];
    let mut sim = Simulation::new(c, None).unwrap();
    sim.advance_to(7_000_000);
    let dur = |from: u64, to: u64| {
        completed(&sim)
            .iter()
            .filter(|h| (from..to).contains(&h.trigger_time_us))
            .map(|h| h.end_to_end_duration_us.unwrap())
            .max()
            .unwrap()
    };
    let calm = dur(0, 2_000_000);
    let spiked = dur(2_000_000, 2_900_000);
    let slow = dur(4_000_000, 7_000_000);
    assert!(spiked >= calm + 190_000, "calm {calm}, spiked {spiked}");
    assert!(slow > calm * 3, "calm {calm}, at 1 Mbit/s {slow}");
}

fn fault_strategy() -> impl Strategy<Value = Fault> {
    prop_oneof![
        Just(Fault::CrashJob),
        (0u32..4).prop_map(|subtask| Fault::CrashSubtask { subtask }),
        (1u32..6).prop_map(|parallelism| Fault::Rescale { parallelism }),
        (1u32..6).prop_map(|count| Fault::DropTransfers { count }),
        (50u64..1500).prop_map(|duration_ms| Fault::LinkOutage { duration_ms }),
        (20.0f64..300.0, 100u64..2000).prop_map(|(latency_ms, duration_ms)| Fault::LatencySpike {
            latency_ms,
            duration_ms
        }),
        (0.5f64..50.0).prop_map(|mbit_s| Fault::SetBandwidth { mbit_s }),
        (0u32..32).prop_map(|key_group| Fault::CorruptChunk { key_group }),
        (0u32..32).prop_map(|key_group| Fault::LoseChunk { key_group }),
        (50u64..1500).prop_map(|duration_ms| Fault::StoreUnavailable { duration_ms }),
    ]
}

fn policy_strategy() -> impl Strategy<Value = (PolicyConfig, bool)> {
    prop_oneof![
        any::<bool>().prop_map(|inc| (PolicyConfig::Fixed, inc)),
        (1_000u64..100_000, 0u64..20_000, 300u64..5_000)
            .prop_map(|(b, t, s)| (adaptive(b, t, s), true)),
        (10.0f64..600.0, any::<bool>()).prop_map(|(m, inc)| (
            PolicyConfig::YoungDaly {
                mtbf_s: m,
                min_interval_ms: 100,
                max_interval_ms: 3_000
            },
            inc
        )),
    ]
}

/// The config refuses scheduled faults that cannot apply to its job (a subtask at or
/// above the parallelism at that time, …); the property is about schedules it accepts, so
/// the refused faults go. Dropping a rescale can make a later crash impossible: repeat.
fn drop_refused_faults(c: &mut Config) -> Result<(), TestCaseError> {
    loop {
        let Err(errors) = c.validate() else {
            return Ok(());
        };
        let mut refused: Vec<usize> = errors
            .0
            .iter()
            .filter_map(|e| {
                e.field
                    .strip_prefix("faults[")?
                    .split(']')
                    .next()?
                    .parse()
                    .ok()
            })
            .collect();
        if refused.is_empty() {
            return Err(TestCaseError::fail(errors.to_string()));
        }
        refused.sort_unstable();
        refused.dedup();
        for i in refused.into_iter().rev() {
            c.faults.remove(i);
        }
    }
}

fn exactly_once_under(
    seed: u64,
    codec: Codec,
    (policy, incremental): (PolicyConfig, bool),
    concurrent: u32,
    drop_probability: f64,
    faults: Vec<(u64, Fault)>,
) -> Result<(), TestCaseError> {
    let limit = 4_000;
    let mut c = small_config(
        seed,
        codec,
        incremental,
        ValueModel::Events { keep: 3 },
        3,
        limit,
    );
    c.checkpointing.policy = policy;
    c.checkpointing.max_concurrent = concurrent;
    c.checkpointing.timeout_ms = 1_500;
    c.checkpointing.tolerable_failed = (seed % 3) as u32;
    c.link.drop_probability = drop_probability;
    c.faults = faults
        .into_iter()
        .map(|(at_ms, fault)| ScheduledFault { at_ms, fault })
        .collect();
    drop_refused_faults(&mut c)?;
    let mut sim = Simulation::new(c, None).map_err(|e| TestCaseError::fail(e.to_string()))?;
    run_to_end(&mut sim, limit, 300_000_000);
    for rec in sim.recoveries() {
        if let Some(r) = &rec.exactly_once {
            prop_assert!(r.ok(), "a recovery diverged: {:?}", r);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn exactly_once_under_random_fault_schedules(
        seed in any::<u64>(),
        codec in prop_oneof![Just(Codec::None), Just(Codec::Lz4), Just(Codec::Snappy)],
        policy in policy_strategy(),
        concurrent in 1u32..3,
        drop_probability in prop_oneof![Just(0.0), 0.0f64..0.3],
        faults in proptest::collection::vec((0u64..2_500, fault_strategy()), 0..6),
    ) {
        exactly_once_under(seed, codec, policy, concurrent, drop_probability, faults)?;
    }
}

/// The long run: thousands of random fault schedules. `cargo test --release -- --ignored`.
#[test]
#[ignore = "long: thousands of seeds; run with --ignored"]
fn exactly_once_under_thousands_of_fault_schedules() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 5_000,
        ..ProptestConfig::default()
    });
    let strategy = (
        any::<u64>(),
        prop_oneof![Just(Codec::None), Just(Codec::Lz4), Just(Codec::Snappy)],
        policy_strategy(),
        1u32..3,
        prop_oneof![Just(0.0), 0.0f64..0.3],
        proptest::collection::vec((0u64..2_500, fault_strategy()), 0..8),
    );
    runner
        .run(&strategy, |(seed, codec, policy, concurrent, p, faults)| {
            exactly_once_under(seed, codec, policy, concurrent, p, faults)
        })
        .unwrap();
}

#[test]
fn what_if_measures_every_policy_on_forks_of_the_run() {
    let c = small_config(
        9,
        Codec::Lz4,
        true,
        ValueModel::Events { keep: 2 },
        2,
        10_000_000,
    );
    let mut sim = Simulation::new(c, None).unwrap();
    sim.advance_to(2_000_000);
    let before = sim.digest();
    let outcomes = statelab::engine::report::whatif::what_if(&sim, 40_000_000);
    assert_eq!(sim.digest(), before, "forks leave the run alone");
    let rows: Vec<_> = outcomes
        .iter()
        .map(|o| o.measured().unwrap_or_else(|| panic!("{o:?}")))
        .collect();
    assert_eq!(rows.len(), 3);
    assert!(rows[0].in_flink && !rows[1].in_flink && !rows[2].in_flink);
    for r in &rows {
        assert!(r.bytes_shipped_per_hour > 0.0, "{r:?}");
        assert!(
            r.link_utilisation > 0.0 && r.link_utilisation < 1.0,
            "{r:?}"
        );
        assert_eq!(r.exactly_once, Some(true), "{r:?}");
        assert!(r.recovery_time_s.unwrap() > 0.1);
    }
    // The fixed 300 ms interval checkpoints far more often than the other two.
    assert!(rows[0].checkpoints_completed > rows[2].checkpoints_completed);
}

#[test]
fn a_run_that_rescaled_under_its_fault_schedule_still_takes_new_settings() {
    use statelab::engine::report::whatif::{what_if, WhatIfOutcome};
    let mut c = small_config(12, Codec::Lz4, true, ValueModel::Counter, 8, 10_000_000);
    c.faults = vec![
        ScheduledFault {
            at_ms: 200,
            fault: Fault::CrashSubtask { subtask: 5 },
        },
        ScheduledFault {
            at_ms: 400,
            fault: Fault::Rescale { parallelism: 2 },
        },
    ];
    let mut sim = Simulation::new(c, None).unwrap();
    sim.advance_to(1_000_000);
    // The run now has parallelism 2, so its config alone no longer admits the crash of
    // subtask 5 it already ran; settings changes (and the what-if's forks) are checked
    // without the schedule, which cannot change under a running job.
    assert_eq!(sim.config().job.parallelism, 2);
    assert!(sim.config().validate().is_err());
    let mut codec = sim.config().clone();
    codec.checkpointing.codec = Codec::Snappy;
    assert!(matches!(sim.reconfigure(codec), Ok(Reconfigured::Live(_))));
    let outcomes = what_if(&sim, 1_000_000);
    assert_eq!(outcomes.len(), 3);
    for o in &outcomes {
        assert!(matches!(o, WhatIfOutcome::Measured(_)), "{o:?}");
    }
}

#[test]
fn the_view_explains_the_policy_and_the_seed_model() {
    let mut c = small_config(
        10,
        Codec::Snappy,
        true,
        ValueModel::Events { keep: 2 },
        2,
        10_000_000,
    );
    c.checkpointing.policy = adaptive(50_000, 500, 5_000);
    let mut sim = Simulation::new(c, None).unwrap();
    sim.advance_to(3_000_000);
    let v = sim.view();
    assert_eq!(v.policy.name, "adaptive (state change rate)");
    assert!(!v.policy.in_flink);
    let d = v.policy.decision.unwrap();
    assert!(d
        .inputs
        .iter()
        .any(|i| i.name.starts_with("D:") && i.value > 0.0));
    assert!(v.policy.next_trigger_at_us.is_some());
    let shipped: u32 = v.policy.ship_counts.iter().map(|(_, n)| n).sum();
    assert_eq!(shipped, 32);
    let m = sim.seed_model(1024);
    assert!(m.partitions >= m.state_bytes / 1024);
    assert!(m.compression_ratio.unwrap() > 1.5, "events text compresses");
    assert!(m.change_bytes_per_s > 0.0);
}

#[test]
fn the_async_phase_encodes_each_chunk_only_when_the_link_takes_it() {
    let mut c = small_config(
        11,
        Codec::Lz4,
        false,
        ValueModel::RandomBytes { len: 200 },
        2,
        10_000_000,
    );
    c.link.bandwidth_mbit_s = 1.0;
    c.checkpointing.interval_ms = Some(1_000);
    let mut sim = Simulation::new(c, None).unwrap();
    // The first checkpoint comes after Flink's random initial delay; the second a second
    // later, with state in every key group.
    for _ in 0..2 {
        assert!(sim.step_until(2_000_000, |e| matches!(
            e,
            statelab::engine::report::events::Event::CheckpointTriggered { .. }
        )));
    }
    let t = sim.now_us();
    sim.advance_to(t + 50_000);
    let v = sim.view();
    // At 1 Mbit/s the 32 chunks leave one by one: most still wait, unencoded.
    assert!(
        v.upload_backlog.len() > 20,
        "backlog {}",
        v.upload_backlog.len()
    );
    assert!(
        v.uploads.len() <= 2,
        "only what the link is sending is encoded: {}",
        v.uploads.len()
    );
    let raw_so_far = sim.history().last().unwrap().raw_data_size;
    // The store already holds what the link delivered; the view shows it under the
    // running checkpoint.
    sim.advance_to(t + 150_000);
    let running = sim.view().store.in_progress;
    assert_eq!(running.len(), 1);
    assert!(!running[0].chunks.is_empty() && running[0].chunks.len() < 32);
    sim.advance_to(t + 400_000);
    assert!(sim.view().upload_backlog.len() < v.upload_backlog.len());
    assert!(sim.history().last().unwrap().raw_data_size > raw_so_far);
}

#[test]
fn the_first_checkpoint_waits_a_random_delay_between_min_pause_and_the_interval() {
    // Flink's CheckpointCoordinator starts its scheduler after getRandomInitDelay():
    // uniform in [min-pause, interval], so jobs started together do not checkpoint together.
    let mut firsts = Vec::new();
    for seed in 0..40 {
        let mut c = small_config(seed, Codec::Lz4, false, ValueModel::Counter, 2, 10_000_000);
        c.checkpointing.interval_ms = Some(2_000);
        c.checkpointing.min_pause_ms = 500;
        let mut sim = Simulation::new(c, None).unwrap();
        sim.advance_to(2_100_000);
        let first = sim.history()[0].trigger_time_us;
        assert!(
            (500_000..=2_000_000).contains(&first),
            "seed {seed}: {first}"
        );
        firsts.push(first);
        // After a restore the scheduler starts again, with a new random delay.
        sim.crash_job();
        sim.advance_to(8_000_000);
        let restored_at = sim.recoveries()[0].restored_at_us.unwrap();
        let next = sim
            .history()
            .iter()
            .find(|h| h.trigger_time_us >= restored_at)
            .unwrap()
            .trigger_time_us;
        assert!((restored_at + 500_000..=restored_at + 2_000_000).contains(&next));
    }
    firsts.sort();
    firsts.dedup();
    assert!(firsts.len() > 30, "the delays differ from seed to seed");
}

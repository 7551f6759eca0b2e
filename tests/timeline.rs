//! Time travel: any past moment is reached exactly, branches that change nothing stay
//! identical, and keyframes stay within their budget.

mod common;

use proptest::prelude::*;
use statelab::engine::faults::{Fault, ScheduledFault};
use statelab::engine::partitioning::workload::ValueModel;
use statelab::engine::sim::Simulation;
use statelab::engine::state::codec::Codec;
use statelab::lab::timeline::{Action, Timeline};

fn config(seed: u64, codec: Codec) -> statelab::engine::config::Config {
    let mut c = common::small_config(
        seed,
        codec,
        true,
        ValueModel::Events { keep: 2 },
        2,
        10_000_000,
    );
    c.link.drop_probability = 0.02;
    c.faults = vec![
        ScheduledFault {
            at_ms: 1_100,
            fault: Fault::LatencySpike {
                latency_ms: 30.0,
                duration_ms: 200,
            },
        },
        ScheduledFault {
            at_ms: 2_300,
            fault: Fault::CrashJob,
        },
    ];
    c
}

/// Runs a live simulation to `end` in frame-like steps, recording it and taking `actions`
/// at their moments, as the UI does.
fn live_run(
    seed: u64,
    codec: Codec,
    end: u64,
    frame_us: u64,
    actions: &[(u64, Action)],
    budget: u64,
) -> (Simulation, Timeline) {
    let mut sim = Simulation::new(config(seed, codec), None).unwrap();
    let mut timeline = Timeline::new(&sim, budget);
    let mut pending = actions.to_vec();
    pending.sort_by_key(|(t, _)| *t);
    let mut pending = pending.into_iter().peekable();
    while sim.now_us() < end {
        let next = (sim.now_us() + frame_us).min(end);
        while let Some((t, action)) = pending.next_if(|(t, _)| *t <= next) {
            sim.advance_to(t);
            if action.apply(&mut sim).is_ok() {
                timeline.log_action(0, t, action);
            }
        }
        sim.advance_to(next);
        timeline.record(0, &sim);
    }
    (sim, timeline)
}

fn straight(seed: u64, codec: Codec, to: u64, actions: &[(u64, Action)]) -> Simulation {
    let mut sim = Simulation::new(config(seed, codec), None).unwrap();
    let mut sorted = actions.to_vec();
    sorted.sort_by_key(|(t, _)| *t);
    for (t, action) in sorted.into_iter().filter(|(t, _)| *t <= to) {
        sim.advance_to(t);
        let _ = action.apply(&mut sim);
    }
    sim.advance_to(to);
    sim
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn seeking_any_moment_equals_having_run_there(
        seed in 0u64..500,
        codec in prop::sample::select(vec![Codec::None, Codec::Lz4, Codec::Snappy]),
        frame_us in 3_000u64..60_000,
        trigger_at in 200_000u64..3_000_000,
        crash_at in 3_100_000u64..4_000_000,
        targets in prop::collection::vec(0u64..6_000_000, 1..6),
    ) {
        let actions = vec![
            (trigger_at, Action::TriggerCheckpoint),
            (crash_at, Action::CrashSubtask { subtask: 1 }),
        ];
        let (_, timeline) = live_run(seed, codec, 6_000_000, frame_us, &actions, 64 << 20);
        for t in targets {
            let seen = timeline.seek(0, t);
            let been = straight(seed, codec, t, &actions);
            prop_assert_eq!(seen.now_us(), t);
            prop_assert_eq!(seen.digest(), been.digest(), "t = {}", t);
        }
    }
}

#[test]
fn a_branch_that_changes_nothing_stays_identical() {
    let (live, mut timeline) = live_run(3, Codec::Lz4, 4_000_000, 16_000, &[], 64 << 20);
    let same = Action::Settings {
        config: Box::new(live.config().clone()),
    };
    let b = timeline.fork(0, 1_500_000, same).unwrap();
    assert_eq!(timeline.branches()[b].name, "B");
    let mut branch = timeline.seek(b, 1_500_000);
    branch.advance_to(4_000_000);
    assert_eq!(branch.digest(), live.digest());
}

#[test]
fn a_branch_with_another_codec_differs_in_size_not_in_exactly_once() {
    let (mut live, mut timeline) = live_run(4, Codec::Snappy, 2_000_000, 16_000, &[], 64 << 20);
    let mut lz4 = live.config().clone();
    lz4.checkpointing.codec = Codec::None;
    let b = timeline
        .fork(
            0,
            1_000_000,
            Action::Settings {
                config: Box::new(lz4),
            },
        )
        .unwrap();
    let mut other = timeline.seek(b, 1_000_000);
    live.advance_to(6_000_000);
    other.advance_to(6_000_000);
    let last = |s: &Simulation| {
        s.history()
            .iter()
            .rev()
            .find(|h| h.end_to_end_duration_us.is_some())
            .unwrap()
            .full_checkpoint_size
    };
    assert!(last(&other) > last(&live), "uncompressed chunks are larger");
    // Both recovered from the scheduled crash, both exactly once.
    for s in [&live, &other] {
        assert!(s.recoveries()[0].exactly_once.as_ref().unwrap().ok());
    }
}

#[test]
fn keyframes_stay_within_the_budget_over_a_long_run() {
    let budget = 24 << 20;
    let (_, timeline) = live_run(5, Codec::Lz4, 120_000_000, 50_000, &[], budget);
    let m = timeline.memory();
    assert!(m.estimated_bytes <= budget, "{m:?}");
    assert!(m.keyframes >= 4, "thinned, not emptied: {m:?}");
    assert!(m.spacing_us > 2_000_000, "the spacing grew: {m:?}");
}

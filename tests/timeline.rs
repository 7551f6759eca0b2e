//! Time travel: any past moment is reached exactly, from whichever keyframe; stepping back
//! lands where stepping forward did; branches that change nothing stay identical; markers
//! are the run's; keyframes stay within their budget.

mod common;

use proptest::prelude::*;
use statelab::engine::faults::{Fault, ScheduledFault};
use statelab::engine::partitioning::workload::ValueModel;
use statelab::engine::report::events::Event;
use statelab::engine::sim::Simulation;
use statelab::engine::state::codec::Codec;
use statelab::lab::stepping::StepKind;
use statelab::lab::timeline::{Action, Change, MarkerKind, Timeline, TimelineError};

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

/// Runs a live simulation of branch `branch` to `end` in frame-like steps, recording it
/// and taking `actions` at their moments, as the driver does.
fn run_live(
    sim: &mut Simulation,
    timeline: &mut Timeline,
    branch: usize,
    end: u64,
    frame_us: u64,
    actions: &[(u64, Action)],
) {
    let mut pending = actions.to_vec();
    pending.sort_by_key(|(t, _)| *t);
    let mut pending = pending.into_iter().peekable();
    while sim.now_us() < end {
        let next = (sim.now_us() + frame_us).min(end);
        while let Some((t, action)) = pending.next_if(|(t, _)| *t <= next) {
            sim.advance_to(t);
            timeline.record(branch, sim);
            if action.apply(sim).is_ok() {
                timeline.log_action(branch, t, action).unwrap();
            }
        }
        sim.advance_to(next);
        timeline.record(branch, sim);
    }
}

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
    run_live(&mut sim, &mut timeline, 0, end, frame_us, actions);
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

    /// From whichever keyframe a seek starts (the budget thins them, the frames space
    /// them), the moment it reaches is the one a straight run reaches.
    #[test]
    fn seeking_any_moment_equals_having_run_there(
        seed in 0u64..500,
        codec in prop::sample::select(vec![Codec::None, Codec::Lz4, Codec::Snappy]),
        frame_us in 3_000u64..60_000,
        budget_mib in prop::sample::select(vec![2u64, 4, 64]),
        trigger_at in 200_000u64..3_000_000,
        crash_at in 3_100_000u64..4_000_000,
        targets in prop::collection::vec(0u64..6_000_000, 1..6),
    ) {
        let actions = vec![
            (trigger_at, Action::TriggerCheckpoint),
            (crash_at, Action::CrashSubtask { subtask: 1 }),
            (crash_at + 1_200_000, Action::Inject { fault: Fault::LinkOutage { duration_ms: 150 } }),
        ];
        let (_, timeline) = live_run(seed, codec, 6_000_000, frame_us, &actions, budget_mib << 20);
        for t in targets {
            let seen = timeline.seek(0, t);
            let been = straight(seed, codec, t, &actions);
            prop_assert_eq!(seen.now_us(), t);
            prop_assert_eq!(seen.digest(), been.digest(), "t = {}", t);
        }
    }

    /// A branch forked at a random moment with a change is, at any moment after, the
    /// straight run of its parent's actions up to the fork, then its own.
    #[test]
    fn a_branch_is_its_parents_past_then_its_own_actions(
        seed in 0u64..500,
        fork_at in 500_000u64..3_500_000,
        targets in prop::collection::vec(0u64..5_000_000, 1..4),
    ) {
        let parent_actions = vec![(700_000, Action::TriggerCheckpoint), (4_000_000, Action::CrashJob)];
        let (_, mut timeline) = live_run(seed, Codec::Lz4, 4_500_000, 16_000, &parent_actions, 64 << 20);
        let b = timeline.fork(0, fork_at);
        let mut sim = timeline.seek(b, fork_at);
        let mut other = sim.config().clone();
        other.checkpointing.codec = Codec::None;
        let change = Action::Settings { config: Box::new(other) };
        change.apply(&mut sim).unwrap();
        timeline.log_action(b, fork_at, change.clone()).unwrap();
        let own = vec![(fork_at + 300_000, Action::CrashSubtask { subtask: 0 })];
        run_live(&mut sim, &mut timeline, b, 5_000_000, 20_000, &own);

        // The parent's actions it really took (a trigger while a checkpoint runs is refused).
        let mut path: Vec<(u64, Action)> =
            timeline.own_actions(0).iter().filter(|(t, _)| *t <= fork_at).cloned().collect();
        path.push((fork_at, change));
        path.extend(own);
        prop_assert_eq!(&timeline.effective_actions(b), &path);
        for t in targets {
            let seen = timeline.seek(b, t);
            let been = straight(seed, Codec::Lz4, t, &path);
            prop_assert_eq!(seen.digest(), been.digest(), "t = {}", t);
        }
    }
}

/// An action taken while paused, followed by a keyframe at that same moment, is not
/// replayed twice when seeking from that keyframe.
#[test]
fn a_keyframe_taken_right_after_an_action_holds_it_once() {
    let mut sim = Simulation::new(config(9, Codec::Lz4), None).unwrap();
    let mut timeline = Timeline::new(&sim, 64 << 20);
    // Exactly at the first keyframe's moment.
    let at = 2_000_000;
    sim.advance_to(at);
    Action::TriggerCheckpoint.apply(&mut sim).unwrap();
    timeline
        .log_action(0, at, Action::TriggerCheckpoint)
        .unwrap();
    timeline.record(0, &sim);
    assert_eq!(timeline.memory().keyframes, 1);
    sim.advance_to(2_500_000);
    timeline.record(0, &sim);
    let seen = timeline.seek(0, 2_500_000);
    assert_eq!(seen.digest(), sim.digest());
    assert_eq!(seen.counts().triggered, sim.counts().triggered);
}

#[test]
fn actions_are_only_added_at_the_head() {
    let (_, mut timeline) = live_run(1, Codec::Lz4, 1_000_000, 16_000, &[], 64 << 20);
    assert_eq!(
        timeline.log_action(0, 500_000, Action::CrashJob),
        Err(TimelineError::BeforeHead {
            at_us: 500_000,
            head_us: 1_000_000
        })
    );
    assert!(timeline.own_actions(0).is_empty(), "nothing recorded");
}

#[test]
fn a_branch_that_changes_nothing_stays_identical() {
    let (live, mut timeline) = live_run(3, Codec::Lz4, 4_000_000, 16_000, &[], 64 << 20);
    let b = timeline.fork(0, 1_500_000);
    assert_eq!(timeline.branches()[b].name, "B");
    assert_eq!(timeline.branches()[b].change, None);
    let mut branch = timeline.seek(b, 1_500_000);
    // Settings identical to the running ones change nothing either.
    let same = Action::Settings {
        config: Box::new(branch.config().clone()),
    };
    same.apply(&mut branch).unwrap();
    timeline.log_action(b, 1_500_000, same).unwrap();
    assert_eq!(
        timeline.branches()[b].change,
        Some(Change::Settings(Vec::new()))
    );
    run_live(&mut branch, &mut timeline, b, 4_000_000, 30_000, &[]);
    assert_eq!(branch.digest(), live.digest());
    for t in [1_000_000, 1_500_000, 2_750_000, 4_000_000] {
        assert_eq!(
            timeline.seek(b, t).digest(),
            timeline.seek(0, t).digest(),
            "t = {t}"
        );
    }
}

#[test]
fn a_branch_with_another_codec_differs_in_size_not_in_exactly_once() {
    let (mut live, mut timeline) = live_run(4, Codec::Snappy, 2_000_000, 16_000, &[], 64 << 20);
    let b = timeline.fork(0, 1_000_000);
    let mut other = timeline.seek(b, 1_000_000);
    let mut plain = other.config().clone();
    plain.checkpointing.codec = Codec::None;
    let change = Action::Settings {
        config: Box::new(plain),
    };
    change.apply(&mut other).unwrap();
    timeline.log_action(b, 1_000_000, change).unwrap();
    assert_eq!(
        timeline.branches()[b]
            .change
            .as_ref()
            .map(|c| c.to_string()),
        Some("checkpointing.codec = none".to_string())
    );
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
fn settings_that_need_a_new_run_are_not_an_action() {
    let mut sim = Simulation::new(config(2, Codec::Lz4), None).unwrap();
    sim.advance_to(100_000);
    let mut new = sim.config().clone();
    new.seed += 1;
    let before = sim.digest();
    let refused = Action::Settings {
        config: Box::new(new),
    }
    .apply(&mut sim);
    assert!(
        matches!(&refused, Err(e) if e.to_string().contains("seed")),
        "{refused:?}"
    );
    assert_eq!(sim.digest(), before);
}

/// Steps forward `n` times, remembering each landing; stepping back from the last one
/// visits them again in reverse, exactly.
fn steps_back_retrace_steps_forward(kind: StepKind, start_us: u64, n: usize) {
    // Recorded past the crash at 3.2 s, then walked again from `start_us`: the crash is
    // replayed on the way.
    let actions = [(3_200_000, Action::CrashJob)];
    let (_, mut timeline) = live_run(6, Codec::Lz4, 3_500_000, 16_000, &actions, 64 << 20);
    let mut sim = timeline.seek(0, start_us);
    let mut pending = timeline.pending_after(0, start_us);
    let mut landings = Vec::new();
    for _ in 0..n {
        let from = sim.log().next_seq();
        loop {
            let to = sim.now_us() + 500_000;
            let stopped = statelab::lab::timeline::run_with(
                &mut sim,
                &mut pending,
                to,
                Some(&|e: &Event| kind.stops_at(e)),
            );
            timeline.record(0, &sim);
            let found = sim
                .log()
                .since_seq(from)
                .iter()
                .any(|e| kind.stops_at(&e.event));
            if stopped || found {
                break;
            }
        }
        landings.push((sim.now_us(), sim.digest()));
    }
    // The moment it started from was no step's landing: the last step back goes before it.
    for want in landings.iter().rev().skip(1) {
        let back = timeline
            .step_back(0, sim.now_us(), |e| kind.stops_at(e))
            .unwrap_or_else(|| panic!("a {kind:?} before {}", sim.now_us()));
        assert_eq!((back.now_us(), back.digest()), *want, "{kind:?}");
        sim = back;
    }
    if let Some(back) = timeline.step_back(0, sim.now_us(), |e| kind.stops_at(e)) {
        assert!(back.now_us() < start_us);
    }
}

#[test]
fn stepping_back_retraces_events_across_a_crash_and_a_restore() {
    // The crash at 3.2 s (an action) and the scheduled one at 2.3 s, their restores.
    steps_back_retrace_steps_forward(StepKind::Event, 2_000_000, 30);
}

#[test]
fn stepping_back_retraces_restore_chunks_and_checkpoints() {
    steps_back_retrace_steps_forward(StepKind::RestoreChunk, 2_000_000, 6);
    steps_back_retrace_steps_forward(StepKind::Checkpoint, 500_000, 5);
    steps_back_retrace_steps_forward(StepKind::ChunkAcknowledged, 1_000_000, 12);
}

#[test]
fn markers_are_the_runs_events_and_a_jump_lands_where_stepping_does() {
    let actions = [(3_200_000, Action::Rescale { parallelism: 3 })];
    let (live, timeline) = live_run(7, Codec::Lz4, 5_000_000, 16_000, &actions, 64 << 20);
    let from_log: Vec<(u64, MarkerKind)> = live
        .log()
        .iter()
        .filter_map(|e| MarkerKind::of(&e.event).map(|k| (e.at_us, k)))
        .collect();
    let markers: Vec<(u64, MarkerKind)> = timeline
        .markers(0)
        .iter()
        .map(|m| (m.at_us, m.kind))
        .collect();
    assert_eq!(markers, from_log);
    for kind in [
        MarkerKind::CheckpointCompleted,
        MarkerKind::Crash,
        MarkerKind::Restore,
        MarkerKind::Rescale,
        MarkerKind::Fault,
    ] {
        assert!(markers.iter().any(|(_, k)| *k == kind), "a {kind:?} marker");
    }
    for m in timeline.markers(0).iter().step_by(3) {
        let there = timeline.seek_event(0, m.at_us, m.seq);
        assert!(there.log().next_seq() > m.seq, "{m:?} is logged there");
        assert_eq!(there.digest(), timeline.seek(0, there.now_us()).digest());
        // One tick earlier it was not yet logged.
        assert!(timeline.seek(0, there.now_us() - 1).log().next_seq() <= m.seq);
    }
}

#[test]
fn a_fork_inherits_its_parents_markers_before_it_and_divergence_is_the_fork() {
    let (_, mut timeline) = live_run(8, Codec::Lz4, 4_000_000, 16_000, &[], 64 << 20);
    let b = timeline.fork(0, 2_500_000);
    let before: Vec<_> = timeline
        .markers(0)
        .iter()
        .filter(|m| m.at_us <= 2_500_000)
        .cloned()
        .collect();
    assert!(!before.is_empty());
    assert!(timeline.markers(b).len() <= before.len());
    assert!(timeline.markers(b).iter().all(|m| before.contains(m)));
    // A branch of B before B's own start is a branch of A.
    let c = timeline.fork(b, 1_000_000);
    assert_eq!(timeline.origin(c).map(|o| o.parent), Some(0));
    let d = timeline.fork(b, 3_000_000);
    assert_eq!(timeline.origin(d).map(|o| o.parent), Some(b));
    assert_eq!(timeline.divergence(0, b), Some(2_500_000));
    assert_eq!(timeline.divergence(b, 0), Some(2_500_000));
    assert_eq!(timeline.divergence(b, c), Some(1_000_000));
    assert_eq!(timeline.divergence(0, d), Some(2_500_000));
    assert_eq!(timeline.divergence(b, d), Some(3_000_000));
    assert_eq!(timeline.divergence(d, d), None);
}

#[test]
fn keyframes_stay_within_the_budget_over_a_long_run() {
    let budget = 24 << 20;
    let (mut sim, mut timeline) = live_run(5, Codec::Lz4, 120_000_000, 50_000, &[], budget);
    let m = timeline.memory();
    assert!(m.estimated_bytes <= budget, "{m:?}");
    assert!(m.keyframes >= 4, "thinned, not emptied: {m:?}");
    assert!(m.spacing_us > 2_000_000, "the spacing grew: {m:?}");
    // Branches share the budget.
    let b = timeline.fork(0, 60_000_000);
    let mut branch = timeline.seek(b, 60_000_000);
    run_live(&mut branch, &mut timeline, b, 180_000_000, 50_000, &[]);
    run_live(&mut sim, &mut timeline, 0, 180_000_000, 50_000, &[]);
    let m = timeline.memory();
    assert!(m.estimated_bytes <= budget, "{m:?}");
    assert!(
        timeline.branches().iter().all(|b| b.keyframes >= 1),
        "{m:?}"
    );
}

//! The driver: what each engine call it makes says, and stepping that lands on the same
//! virtual time however the frames' budgets fell.

use std::cell::Cell;

use super::*;
use crate::engine::state::codec::Codec;
use crate::lab::stepping::StepKind;

/// A clock that never moves: every budget lasts until the work is done.
const FROZEN: &dyn Fn() -> f64 = &|| 0.0;

fn unlimited() -> Budget<'static> {
    Budget {
        clock: FROZEN,
        deadline_ms: f64::INFINITY,
    }
}

fn driver() -> Driver {
    let (driver, note) = Driver::new(Config::default());
    assert_eq!(note, None);
    driver
}

/// Works on the goal until it is reached; returns its message.
fn finish_goal(d: &mut Driver) -> Option<String> {
    let (progress, message) = d.work_on_goal(&unlimited());
    assert_eq!(progress, Progress::Done);
    assert_eq!(d.goal(), None);
    message
}

#[test]
fn a_config_that_cannot_start_falls_back_and_says_so() {
    let mut trace_source = Config::default();
    trace_source.workload.source = SourceConfig::Trace;
    let (d, note) = Driver::new(trace_source);
    assert!(note.unwrap().contains("a trace cannot travel in a link"));
    assert_eq!(
        d.config().workload.source,
        Config::default().workload.source
    );

    let mut broken = Config {
        seed: 9,
        ..Config::default()
    };
    broken.job.parallelism = 0;
    let (d, note) = Driver::new(broken);
    assert!(note.unwrap().contains("could not start"));
    assert_eq!(d.config().seed, 9, "the seed is kept");
    assert_eq!(
        d.config().job.parallelism,
        Config::default().job.parallelism
    );
}

#[test]
fn settings_apply_live_rescale_or_restart_and_say_which() {
    // (what changes, words the message must contain, whether the run is replaced)
    type Case = (fn(&mut Config), &'static str, bool);
    let cases: &[Case] = &[
        (
            |c| c.checkpointing.codec = Codec::Lz4,
            "checkpointing changed live",
            false,
        ),
        (
            |c| c.link.bandwidth_mbit_s = 10.0,
            "link changed live",
            false,
        ),
        (|c| c.job.parallelism = 8, "parallelism 4 → 8", false),
        (
            |c| c.workload.limit = Some(1_000),
            "`workload` cannot change under a running job",
            true,
        ),
        (
            |c| {
                c.job.max_parallelism = Some(256);
                c.job.restart_delay_ms = 0;
            },
            "`job.max_parallelism` and `job`",
            true,
        ),
    ];
    for (change, words, new_run) in cases {
        let mut d = driver();
        d.advance_towards(500_000, &unlimited(), None);
        let mut config = d.config().clone();
        change(&mut config);
        let generation = d.generation();
        let message = d.apply_config(config.clone()).unwrap().unwrap();
        assert!(message.contains(words), "{message:?} lacks {words:?}");
        assert_eq!(d.config(), &config);
        assert_eq!(d.generation() != generation, *new_run, "{message}");
        assert_eq!(d.sim().now_us() == 0, *new_run, "{message}");
    }
}

#[test]
fn a_refused_config_changes_nothing() {
    let mut d = driver();
    let same = d.config().clone();
    assert_eq!(d.apply_config(same.clone()), Ok(None), "nothing to do");
    let mut bad = same.clone();
    bad.job.parallelism = 0;
    let why = d.apply_config(bad).unwrap_err();
    assert!(why.starts_with("configuration refused:"), "{why}");
    assert!(why.contains("job.parallelism"), "{why}");
    let mut trace = same.clone();
    trace.workload.source = SourceConfig::Trace;
    assert!(d
        .apply_config(trace)
        .unwrap_err()
        .contains("load a `key,value` CSV"));
    assert_eq!(d.config(), &same);
    assert_eq!(d.generation(), 0);
}

#[test]
fn traces_load_or_are_refused_with_their_line() {
    let mut d = driver();
    let cases: &[(&str, &str)] = &[
        ("", "the trace has no records: the file is empty"),
        ("key,value\n", "the trace has no records"),
        ("alice,1\nbob\n", "line 2"),
        ("alice,one\n", "line 1"),
    ];
    for (text, words) in cases {
        let why = d.load_trace(text, &Default::default()).unwrap_err();
        assert!(why.starts_with("trace refused"), "{why}");
        assert!(why.contains(words), "{text:?}: {why:?} lacks {words:?}");
    }
    assert_eq!(d.generation(), 0, "a refused trace changes nothing");
    let message = d
        .load_trace("key,value\nalice,1\nbob,2\nalice,3\n", &Default::default())
        .unwrap();
    assert!(message.contains("3 records over 2 keys"), "{message}");
    assert_eq!(d.config().workload.source, SourceConfig::Trace);
    assert_eq!(d.generation(), 1);
    // The trace stays for a reset.
    d.reset().unwrap();
    assert_eq!(d.config().workload.source, SourceConfig::Trace);
}

#[test]
fn faults_and_their_refusals() {
    let mut d = driver();
    assert_eq!(d.trigger_checkpoint(), Ok(()));
    let busy = d.trigger_checkpoint().unwrap_err();
    assert!(busy.contains("max-concurrent-checkpoints"), "{busy}");

    assert!(d
        .crash_subtask(99)
        .unwrap_err()
        .contains("below the parallelism"));
    assert!(d
        .rescale(4)
        .unwrap_err()
        .contains("already runs with parallelism 4"));
    assert!(d.rescale(0).unwrap_err().starts_with("rescale refused"));
    assert!(d
        .corrupt_chunk(12_345)
        .unwrap_err()
        .contains("not in the store"));
    assert!(d
        .lose_chunk(12_345)
        .unwrap_err()
        .contains("not in the store"));

    let injected = d.inject(&Fault::LinkOutage { duration_ms: 100 }).unwrap();
    assert_eq!(injected, "injected: link outage for 100 ms");
    let rescaled = d.inject(&Fault::Rescale { parallelism: 2 }).unwrap();
    assert!(rescaled.contains("parallelism 4 → 2"), "{rescaled}");
    assert!(
        rescaled.contains("no completed checkpoint yet"),
        "{rescaled}"
    );
    assert_eq!(d.config().job.parallelism, 2, "the config follows");

    d.crash_job().unwrap();
    assert_ne!(d.sim().status(), &JobStatus::Running);
    assert!(d.trigger_checkpoint().unwrap_err().contains("not running"));
}

#[test]
fn a_corrupted_chunk_is_remembered_until_lost() {
    let mut d = driver();
    d.step(StepKind::Checkpoint);
    finish_goal(&mut d);
    let chunk = d.sim().store().latest().unwrap().manifest[0].chunk;
    d.corrupt_chunk(chunk).unwrap();
    assert!(d.corrupted().contains(&chunk));
    d.lose_chunk(chunk).unwrap();
    assert!(!d.corrupted().contains(&chunk));
}

#[test]
fn a_step_stops_at_the_next_event_or_checkpoint() {
    let mut d = driver();
    d.step(StepKind::Event);
    assert!(d.goal().is_some());
    assert_eq!(finish_goal(&mut d), None);
    let after_one = d.sim().now_us();
    assert!(after_one > 0);
    assert!(!d.sim().log().is_empty());

    d.step(StepKind::Checkpoint);
    assert_eq!(finish_goal(&mut d), None);
    assert_eq!(d.sim().counts().completed, 1);

    // With checkpointing off, a step triggers one by hand and says so.
    let mut off = Config::default();
    off.checkpointing.interval_ms = None;
    let (mut d, _) = Driver::new(off);
    let note = d.step(StepKind::Checkpoint).unwrap();
    assert!(note.contains("triggered one by hand"), "{note}");
    finish_goal(&mut d);
    assert_eq!(d.sim().counts().completed, 1);
}

#[test]
fn a_step_that_finds_nothing_stops_at_its_limit_and_says_so() {
    let mut quiet = Config::default();
    quiet.checkpointing.interval_ms = None;
    let (mut d, _) = Driver::new(quiet);
    d.step(StepKind::Event);
    let message = finish_goal(&mut d).unwrap();
    assert_eq!(
        message,
        "nothing happened within 5.00 s of virtual time; stepped that far"
    );
    assert_eq!(d.sim().now_us(), StepKind::Event.limit_us());
}

#[test]
fn finer_steps_stop_at_each_barrier_snapshot_and_chunk() {
    let mut d = driver();
    d.step(StepKind::Barrier);
    finish_goal(&mut d);
    let barrier_at = d.sim().now_us();
    let trigger = d.sim().history()[0].trigger_time_us;
    assert!(barrier_at >= trigger, "{barrier_at} {trigger}");
    d.step(StepKind::Snapshot);
    finish_goal(&mut d);
    assert!(d.sim().now_us() >= barrier_at);
    let snapshot = d.sim().log().detail().last().unwrap().event.clone();
    assert!(
        matches!(snapshot, Event::SnapshotTaken { .. }),
        "{snapshot:?}"
    );
    // One chunk per step: the store's acknowledgements come one at a time.
    let mut acked_at = Vec::new();
    for _ in 0..3 {
        d.step(StepKind::ChunkAcknowledged);
        finish_goal(&mut d);
        acked_at.push(d.sim().now_us());
        let last = d.sim().log().detail().last().unwrap().event.clone();
        assert!(matches!(last, Event::ChunkAcknowledged { .. }), "{last:?}");
    }
    assert!(acked_at.windows(2).all(|w| w[0] < w[1]), "{acked_at:?}");

    // After a crash, one restored chunk per step.
    d.crash_job().unwrap();
    let mut restored = Vec::new();
    for _ in 0..3 {
        d.step(StepKind::RestoreChunk);
        finish_goal(&mut d);
        match d.sim().status() {
            JobStatus::Restoring { chunks_done, .. } => restored.push(*chunks_done),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(restored, vec![1, 2, 3]);
}

#[test]
fn a_playing_advance_can_stop_exactly_at_a_moment() {
    let mut d = driver();
    let stop: fn(&Event) -> bool = |e| matches!(e, Event::CheckpointTriggered { .. });
    assert_eq!(
        d.advance_towards(10_000_000, &unlimited(), Some(stop)),
        Progress::Stopped
    );
    let trigger = d.sim().history()[0].trigger_time_us;
    assert_eq!(d.sim().now_us(), trigger, "stopped where it happened");
    // Without a stop, on to the target.
    assert_eq!(
        d.advance_towards(10_000_000, &unlimited(), None),
        Progress::Done
    );
}

/// A clock that moves `step_ms` each time it is read: a machine of a given slowness.
fn ticking(step_ms: f64) -> impl Fn() -> f64 {
    let now = Cell::new(0.0);
    move || {
        now.set(now.get() + step_ms);
        now.get()
    }
}

#[test]
fn steps_land_on_the_same_virtual_time_however_frames_fell() {
    let steps = |clock: &dyn Fn() -> f64| {
        let mut d = driver();
        let mut landed = Vec::new();
        for i in 0..5 {
            if i == 3 {
                d.step(StepKind::Checkpoint);
            } else {
                d.step(StepKind::Event);
            }
            let mut frames = 0;
            while d.goal().is_some() {
                let budget = Budget {
                    clock,
                    deadline_ms: clock() + 7.0,
                };
                d.work_on_goal(&budget);
                frames += 1;
                assert!(frames < 1_000_000, "a step ends");
            }
            landed.push(d.sim().now_us());
        }
        landed
    };
    let fast = steps(FROZEN);
    let slow = steps(&ticking(0.5));
    let slower = steps(&ticking(3.0));
    assert_eq!(fast, slow);
    assert_eq!(fast, slower);
    assert!(fast.windows(2).all(|w| w[0] < w[1]), "{fast:?}");
}

#[test]
fn playing_stops_when_the_budget_is_spent() {
    let mut d = driver();
    let clock = ticking(2.0);
    let budget = Budget {
        clock: &clock,
        deadline_ms: clock() + 7.0,
    };
    assert_eq!(
        d.advance_towards(10_000_000, &budget, None),
        Progress::OutOfBudget
    );
    let reached = d.sim().now_us();
    assert!(reached > 0 && reached < 10_000_000, "{reached}");
    assert_eq!(
        d.advance_towards(reached, &unlimited(), None),
        Progress::Done
    );
    assert_eq!(
        d.advance_towards(2_000_000, &unlimited(), None),
        Progress::Done
    );
    assert_eq!(d.sim().now_us(), 2_000_000);
}

#[test]
fn seeds_restart_the_run() {
    let mut d = driver();
    assert_eq!(d.set_seed(42), Ok("seed 42 is already set".into()));
    assert_eq!(d.generation(), 0);
    let message = d.set_seed(7).unwrap();
    assert!(message.contains("seed 7: the job restarted"), "{message}");
    assert_eq!(d.config().seed, 7);
    assert_eq!(d.generation(), 1);
}

#[test]
fn setting_names_are_listed_readably() {
    let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let cases: &[(&[&str], &str)] = &[
        (&[], "the settings"),
        (&["seed"], "`seed`"),
        (&["a", "b"], "`a` and `b`"),
        (&["a", "b", "c"], "`a`, `b` and `c`"),
        (
            &["a", "b", "c", "d", "e", "f"],
            "`a`, `b`, `c` and `d` (and 2 more)",
        ),
    ];
    for (given, want) in cases {
        assert_eq!(describe_settings(&names(given)), *want);
    }
    assert!(rescale_message(2, 4, Some((3, 900))).contains("from checkpoint 3 (source offset 900)"));
    assert!(rescale_message(2, 4, None).contains("empty state at offset 0"));
}

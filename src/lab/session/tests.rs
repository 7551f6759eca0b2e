//! The session: what each intent does to the page and the run, and animation frames.

use std::cell::Cell;
use std::rc::Rc;

use super::*;
use crate::engine::config::Config;
use crate::engine::partitioning::workload::SourceConfig;
use crate::engine::report::stats::JobStatus;
use crate::lab::intent::Target;
use crate::lab::pacing::{MAX_SPEED, MIN_SPEED};
use crate::lab::prefs::DockTab;
use crate::lab::stepping::StepKind;
use crate::lab::sweep::job::Reply;
use crate::lab::sweep::{Order, Stage, SweepIntent};

const ADDRESS: &str = "http://lab.test/";

/// A session whose clock only moves when the test says: frames get all the engine time
/// they need, and runs are reproducible.
fn open(search: &str, reduced_motion: bool) -> (Session, Option<Effect>, Rc<Cell<f64>>) {
    let now = Rc::new(Cell::new(0.0));
    let clock = {
        let now = now.clone();
        Box::new(move || now.get())
    };
    let (session, effect) = Session::open(search, ADDRESS.into(), reduced_motion, "", clock);
    (session, effect, now)
}

/// A paused session at the defaults.
fn paused() -> Session {
    open("", true).0
}

/// Frames of 16 ms until nothing is left to do (a step reached, a comparison done).
fn run_until_idle(s: &mut Session, ts: &mut f64) {
    for _ in 0..100_000 {
        if !s.busy() {
            return;
        }
        *ts += 16.0;
        s.frame(*ts);
    }
    panic!("still busy");
}

#[test]
fn opening_reads_the_url_and_corrects_the_address_bar() {
    let (s, effect, _) = open("", false);
    assert_eq!(effect, None, "nothing to correct");
    let mut s = s;
    let view = s.publish();
    assert!(view.playing, "the lab moves when opened");
    assert_eq!(view.notice, None);

    let (mut s, effect, _) = open("?seed=7&job.parallelism=0&bogus=1", false);
    assert_eq!(effect, Some(Effect::ReplaceQuery("seed=7".into())));
    let notice = s.publish().notice.clone().unwrap();
    let parts: Vec<&str> = notice.split(NOTICE_SEPARATOR).collect();
    assert_eq!(parts.len(), 2, "{notice}");
    assert!(parts.iter().any(|p| p.contains("`job.parallelism=0`")));
    assert!(parts.iter().any(|p| p.contains("`bogus`")));

    let (mut s, effect, _) = open("?checkpointing.codec=lz4", true);
    assert_eq!(
        effect,
        Some(Effect::ReplaceQuery(
            "seed=42&checkpointing.codec=lz4".into()
        ))
    );
    assert!(!s.publish().playing, "reduced motion waits for play");
}

#[test]
fn page_intents_change_what_the_page_shows() {
    type Check = fn(&LabView) -> bool;
    // Each row: the intents sent to a fresh paused session, and what must then hold.
    let cases: Vec<(Vec<Intent>, Check)> = vec![
        (vec![Intent::TogglePlay], |v| v.playing),
        (vec![Intent::TogglePlay, Intent::TogglePlay], |v| !v.playing),
        (vec![Intent::Play, Intent::Play], |v| v.playing),
        (vec![Intent::Play, Intent::Pause], |v| !v.playing),
        (vec![Intent::SpeedUp, Intent::SpeedUp], |v| v.speed == 4.0),
        (vec![Intent::SpeedDown], |v| v.speed == 0.5),
        (vec![Intent::SetSpeed(3.0)], |v| v.speed == 3.0),
        (vec![Intent::SetSpeed(1e9)], |v| v.speed == MAX_SPEED),
        (vec![Intent::SetSpeed(0.0)], |v| v.speed == MIN_SPEED),
        (vec![Intent::SetSpeed(f64::NAN)], |v| v.speed == 1.0),
        (vec![Intent::SetSpeed(MAX_SPEED), Intent::SpeedUp], |v| {
            v.speed == MAX_SPEED
        }),
        (vec![Intent::ToggleLargeFont], |v| v.large_font),
        (
            vec![Intent::ToggleLargeFont, Intent::ToggleLargeFont],
            |v| !v.large_font,
        ),
        (vec![Intent::ToggleHelp], |v| v.help_open),
        (vec![Intent::ToggleHelp, Intent::Dismiss], |v| !v.help_open),
        (vec![Intent::Select(Some(Selection::Subtask(1)))], |v| {
            v.selection == Some(Selection::Subtask(1)) && v.inspection.is_none()
        }),
        // Esc closes the help first, the selection only after.
        (
            vec![
                Intent::Select(Some(Selection::Subtask(1))),
                Intent::ToggleHelp,
                Intent::Dismiss,
            ],
            |v| !v.help_open && v.selection == Some(Selection::Subtask(1)),
        ),
        (
            vec![Intent::Select(Some(Selection::Subtask(1))), Intent::Dismiss],
            |v| v.selection.is_none(),
        ),
        (vec![Intent::Select(Some(Selection::KeyGroup(3)))], |v| {
            v.inspection.as_ref().is_some_and(|i| i.key_group == 3)
        }),
        (
            vec![
                Intent::Select(Some(Selection::KeyGroup(3))),
                Intent::Dismiss,
            ],
            |v| v.selection.is_none() && v.inspection.is_none(),
        ),
        (vec![Intent::StepMoment], |v| v.stepping && !v.playing),
        (vec![Intent::Play, Intent::StepCheckpoint], |v| {
            v.stepping && !v.playing
        }),
        // Playing gives up a step in progress.
        (vec![Intent::StepMoment, Intent::Play], |v| {
            v.playing && !v.stepping
        }),
        (
            vec![Intent::Play, Intent::Sweep(SweepIntent::Run { cores: 2 })],
            |v| {
                !v.playing
                    && v.sweep.open
                    && v.sweep
                        .run
                        .as_ref()
                        .is_some_and(|r| r.stage == Stage::Running)
            },
        ),
        (
            vec![
                Intent::Sweep(SweepIntent::Run { cores: 2 }),
                Intent::Sweep(SweepIntent::Cancel),
            ],
            |v| {
                v.sweep
                    .run
                    .as_ref()
                    .is_some_and(|r| r.stage == Stage::Cancelled)
            },
        ),
        (
            vec![Intent::Sweep(SweepIntent::Run { cores: 2 }), Intent::Reset],
            |v| {
                v.sweep
                    .run
                    .as_ref()
                    .is_some_and(|r| r.stage == Stage::Cancelled)
            },
        ),
        (vec![Intent::TriggerCheckpoint], |v| {
            v.notice.is_none() && v.view.counts.triggered == 1
        }),
        (vec![Intent::CrashJob], |v| {
            v.view.status != JobStatus::Running
        }),
        (vec![Intent::CrashSubtask(99)], |v| {
            v.notice
                .as_deref()
                .is_some_and(|n| n.contains("below the parallelism"))
        }),
        (vec![Intent::CorruptChunk(77)], |v| {
            v.notice.as_deref() == Some("chunk 77 is not in the store")
        }),
        (vec![Intent::LoseChunk(77)], |v| {
            v.notice.as_deref() == Some("chunk 77 is not in the store")
        }),
        (
            vec![Intent::LoadTrace {
                text: "alice,one".into(),
                key: String::new(),
                value: String::new(),
            }],
            |v| {
                v.notice
                    .as_deref()
                    .is_some_and(|n| n.starts_with("trace refused"))
            },
        ),
        (
            vec![Intent::InjectFault(Fault::DropTransfers { count: 2 })],
            |v| v.notice.as_deref() == Some("injected: drop the next 2 transfers"),
        ),
    ];
    for (intents, holds) in cases {
        let mut s = paused();
        let before = s.publish();
        for intent in &intents {
            assert_eq!(s.handle(intent.clone()), None, "{intent:?} has no effect");
        }
        let view = s.publish();
        assert!(view.revision > before.revision);
        assert!(holds(&view), "after {intents:?}: {view:#?}");
    }
}

#[test]
fn run_intents_put_the_running_configuration_in_the_address_bar() {
    let mut s = paused();
    let effect = s.handle(Intent::SetSeed(7));
    assert_eq!(effect, Some(Effect::ReplaceQuery("seed=7".into())));
    let view = s.publish();
    assert_eq!(view.config.seed, 7);
    assert_eq!(view.generation, 1);
    assert!(view.notice.as_deref().unwrap().contains("seed 7"));

    let mut config = (*view.config).clone();
    config.job.parallelism = 8;
    let effect = s.handle(Intent::ApplyConfig(Box::new(config)));
    assert_eq!(
        effect,
        Some(Effect::ReplaceQuery("seed=7&job.parallelism=8".into()))
    );
    assert!(s
        .publish()
        .notice
        .as_deref()
        .unwrap()
        .contains("parallelism 4 → 8"));

    // A refused configuration leaves the run and the address bar as they were.
    let mut bad = Config::default();
    bad.job.parallelism = 0;
    let effect = s.handle(Intent::ApplyConfig(Box::new(bad)));
    assert_eq!(
        effect,
        Some(Effect::ReplaceQuery("seed=7&job.parallelism=8".into()))
    );
    assert!(s
        .publish()
        .notice
        .as_deref()
        .unwrap()
        .starts_with("configuration refused"));

    let effect = s.handle(Intent::Rescale(2));
    assert_eq!(
        effect,
        Some(Effect::ReplaceQuery("seed=7&job.parallelism=2".into()))
    );
    let effect = s.handle(Intent::InjectFault(Fault::Rescale { parallelism: 3 }));
    assert_eq!(
        effect,
        Some(Effect::ReplaceQuery("seed=7&job.parallelism=3".into()))
    );

    // A trace changes the source; a refused one changes nothing.
    assert_eq!(
        s.handle(Intent::LoadTrace {
            text: "x".into(),
            key: String::new(),
            value: String::new(),
        }),
        None
    );
    let effect = s.handle(Intent::LoadTrace {
        text: "alice,1\nbob,2\n".into(),
        key: String::new(),
        value: String::new(),
    });
    assert_eq!(
        effect,
        Some(Effect::ReplaceQuery(
            "seed=7&job.parallelism=3&workload.source.kind=trace".into()
        ))
    );
    assert_eq!(s.publish().config.workload.source, SourceConfig::Trace);
}

#[test]
fn a_trace_loads_with_its_columns_chosen_and_a_bad_choice_is_named() {
    let mut s = paused();
    let text = "ts,user,clicks\n1,ann,3\n2,bob,5\n";
    let load = |key: &str, value: &str| Intent::LoadTrace {
        text: text.into(),
        key: key.into(),
        value: value.into(),
    };
    // Three columns and nothing chosen: refused, the run unchanged.
    s.handle(load("", ""));
    let view = s.publish();
    assert!(
        view.notice
            .as_deref()
            .unwrap_or("")
            .contains("3 columns: choose"),
        "{:?}",
        view.notice
    );
    assert_ne!(view.config.workload.source, SourceConfig::Trace);
    s.handle(load("name", "clicks"));
    let notice = s.publish().notice.clone().unwrap_or_default();
    assert!(
        notice.contains("no column named `name` for the key"),
        "{notice}"
    );
    s.handle(load("user", "3"));
    let view = s.publish();
    let notice = view.notice.clone().unwrap_or_default();
    assert!(
        notice.contains("key: column 2 `user`, value: column 3 `clicks`"),
        "{notice}"
    );
    assert_eq!(view.config.workload.source, SourceConfig::Trace);
}

#[test]
fn a_new_run_forgets_the_old_selection() {
    let mut s = paused();
    s.handle(Intent::Select(Some(Selection::KeyGroup(2))));
    s.handle(Intent::Reset);
    let view = s.publish();
    assert_eq!(view.selection, None);
    assert_eq!(view.inspection, None);
    assert_eq!(view.generation, 1);
    assert_eq!(view.view.now_us, 0);
}

#[test]
fn copying_a_link_goes_through_the_clipboard_or_shows_the_link() {
    let mut s = paused();
    s.handle(Intent::SetSeed(99));
    let link = "http://lab.test/?seed=99";
    assert_eq!(
        s.handle(Intent::CopyLink),
        Some(Effect::CopyToClipboard(link.into()))
    );
    s.copied();
    let view = s.publish();
    assert!(view.notice.as_deref().unwrap().starts_with("link copied"));
    assert_eq!(view.share_link, None);

    s.copy_refused(link.into());
    s.handle(Intent::Select(Some(Selection::Subtask(0))));
    assert_eq!(s.publish().share_link.as_deref(), Some(link));
    // Esc closes the shown link before it clears the selection.
    s.handle(Intent::Dismiss);
    let view = s.publish();
    assert_eq!(view.share_link, None);
    assert_eq!(view.selection, Some(Selection::Subtask(0)));
    s.copy_refused(link.into());
    s.dismiss_share_link();
    s.dismiss_notice();
    let view = s.publish();
    assert_eq!((view.share_link.clone(), view.notice.clone()), (None, None));
}

#[test]
fn play_step_crash_and_recover_with_messages() {
    let mut s = paused();
    let mut ts = 0.0;
    assert!(!s.busy(), "paused and nothing to do");

    // Step to the end of the first checkpoint.
    s.handle(Intent::StepCheckpoint);
    assert!(s.busy());
    run_until_idle(&mut s, &mut ts);
    let view = s.publish();
    assert!(!view.stepping && !view.playing);
    assert_eq!(view.view.counts.completed, 1);
    let stepped_to = view.view.now_us;

    // Crash, then play until the oracle's verdict is in.
    s.handle(Intent::CrashJob);
    assert_ne!(s.publish().view.status, JobStatus::Running);
    s.handle(Intent::SetSpeed(MAX_SPEED));
    s.handle(Intent::Play);
    let mut verdict = None;
    for _ in 0..10_000 {
        ts += 16.0;
        if s.frame(ts) {
            let view = s.publish();
            if let Some(report) = view
                .view
                .latest_recovery
                .as_ref()
                .and_then(|r| r.exactly_once.clone())
            {
                verdict = Some(report.ok());
                break;
            }
        }
    }
    assert_eq!(verdict, Some(true), "recovered exactly once");
    let view = s.publish();
    assert_eq!(view.view.status, JobStatus::Running);
    assert!(view.view.now_us > stepped_to);
    assert_eq!(view.view.counts.restored, 1);

    // With checkpointing off, a step says it triggered one by hand.
    let mut off = Config::default();
    off.checkpointing.interval_ms = None;
    s.handle(Intent::ApplyConfig(Box::new(off)));
    s.handle(Intent::StepCheckpoint);
    let notice = s.publish().notice.clone().unwrap();
    assert!(notice.contains("triggered one by hand"), "{notice}");
    run_until_idle(&mut s, &mut ts);
}

#[test]
fn a_playing_run_follows_wall_time_at_its_speed() {
    // Slow motion off: this is about the speed asked.
    let (mut s, _, _) = open("?slowmo=0", false);
    let mut ts = 1_000.0;
    s.frame(ts);
    for _ in 0..60 {
        ts += 16.0;
        s.frame(ts);
    }
    let view = s.publish();
    // The first frame stands for one 60 Hz frame, each later one for 16 ms.
    let want = (1000.0 / 60.0 + 60.0 * 16.0) * 1000.0;
    assert!(
        (view.view.now_us as f64 - want).abs() < 2_000.0,
        "{}",
        view.view.now_us
    );
    assert_eq!(view.behind, None, "a frozen clock always keeps up");
    assert!(view.dot_stride >= 1);

    // A tab hidden for a minute does not come back with a minute of work.
    s.frames_stopped();
    let before = s.publish().view.now_us;
    s.frame(ts + 60_000.0);
    let after = s.publish().view.now_us;
    assert!(after - before < 20_000, "{before} → {after}");
}

#[test]
fn a_slow_machine_falls_behind_and_says_so() {
    // Every read of the clock costs 3 ms: the budget runs out after a slice or two.
    let now = Rc::new(Cell::new(0.0));
    let clock = {
        let now = now.clone();
        Box::new(move || {
            now.set(now.get() + 3.0);
            now.get()
        })
    };
    let (mut s, _) = Session::open("", ADDRESS.into(), false, "", clock);
    s.handle(Intent::SetSpeed(MAX_SPEED));
    let mut ts = 0.0;
    for _ in 0..200 {
        ts += 16.0;
        s.frame(ts);
    }
    let view = s.publish();
    let (reached, planned) = view.behind.expect("the run says it is behind");
    assert!(reached < planned / 2.0, "{reached} of {planned}");
    assert!(view.view.now_us > 0, "but it moves");
    assert!(
        (view.view.now_us as f64) < 200.0 * 16.0 * 1000.0 * MAX_SPEED / 2.0,
        "{}",
        view.view.now_us
    );
}

#[test]
fn a_sweep_orders_workers_and_applies_a_cell_to_the_run() {
    let mut s = paused();
    let mut ts = 0.0;
    for _ in 0..2 {
        s.handle(Intent::StepCheckpoint);
        run_until_idle(&mut s, &mut ts);
    }
    assert!(s.publish().view.now_us > 1_000_000);
    s.handle(Intent::Sweep(SweepIntent::SetValues {
        axis: 0,
        text: "1000,4000".into(),
    }));
    s.handle(Intent::Sweep(SweepIntent::SetHorizon(60)));
    s.handle(Intent::Sweep(SweepIntent::Run { cores: 4 }));
    // Two cells and the current setting: three workers at most.
    assert_eq!(s.take_sweep_orders(), vec![Order::Start { workers: 3 }]);
    assert!(!s.busy(), "workers answer with messages, not frames");
    s.sweep_reply(0, &Reply::Ready.to_json());
    let orders = s.take_sweep_orders();
    assert!(
        matches!(&orders[..], [Order::Post { worker: 0, .. }]),
        "{orders:?}"
    );
    // Apply the 4 s cell (index 1): the run's interval changes and the address follows.
    let effect = s.handle(Intent::Sweep(SweepIntent::Apply(1)));
    assert!(matches!(effect, Some(Effect::ReplaceQuery(q)) if q.contains("interval_ms=4000")));
    let view = s.publish();
    assert_eq!(view.config.checkpointing.interval_ms, Some(4000));
    assert!(view
        .notice
        .as_deref()
        .unwrap()
        .starts_with("from the sweep, interval_ms=4000"));
    // The tab shows the run's own expected cost of failures.
    s.handle(Intent::ShowTab(DockTab::WhatIf));
    let now = s.publish().sweep.now.clone().expect("the run's figures");
    assert_eq!(now.exposure.failures_per_hour, Some(1.0));
}

#[test]
fn page_switches_are_remembered_and_presenter_mode_lives_in_the_address() {
    let (mut s, _, _) = open("", true);
    assert_eq!(s.take_prefs(), None, "nothing changed yet");
    let view = s.publish();
    assert!(view.slow_motion, "slow motion is on by default");
    assert!(!view.presenter);
    assert_eq!(view.dock_tab, DockTab::Inspector);

    s.handle(Intent::ToggleSlowMotion);
    s.handle(Intent::ShowTab(DockTab::Model));
    s.handle(Intent::GroupOpen("workload".into(), false));
    s.handle(Intent::SetStepKind(StepKind::ChunkAcknowledged));
    s.handle(Intent::ToggleLargeFont);
    let prefs = s.take_prefs().expect("changed");
    assert_eq!(s.take_prefs(), None, "taken once");
    let view = s.publish();
    assert!(!view.slow_motion);
    assert_eq!(view.dock_tab, DockTab::Model);
    assert!(view.closed_groups.contains("workload"));
    assert_eq!(view.step_kind, StepKind::ChunkAcknowledged);

    // A new page with those preferences opens as this one was left.
    let (again, _) = Session::open("", ADDRESS.into(), true, &prefs, Box::new(|| 0.0));
    let mut again = again;
    let view = again.publish();
    assert!(!view.slow_motion && view.large_font);
    assert_eq!(view.dock_tab, DockTab::Model);
    assert_eq!(view.step_kind, StepKind::ChunkAcknowledged);
    // The address overrides what was remembered.
    let (mut on, _) = Session::open(
        "?slowmo=1&present=1",
        ADDRESS.into(),
        true,
        &prefs,
        Box::new(|| 0.0),
    );
    let view = on.publish();
    assert!(view.slow_motion && view.presenter);

    assert_eq!(
        s.handle(Intent::TogglePresenter),
        Some(Effect::SetFlag("present", true))
    );
    assert!(s.publish().presenter);
    assert_eq!(
        s.handle(Intent::TogglePresenter),
        Some(Effect::SetFlag("present", false))
    );
}

#[test]
fn selecting_shows_the_inspector_and_actions_act_on_the_selection() {
    let mut s = paused();
    let mut ts = 0.0;
    s.handle(Intent::ShowTab(DockTab::Metrics));
    s.handle(Intent::StepCheckpoint);
    run_until_idle(&mut s, &mut ts);
    s.handle(Intent::Select(Some(Selection::Subtask(2))));
    assert_eq!(
        s.publish().dock_tab,
        DockTab::Inspector,
        "what was clicked shows"
    );

    // S crashes the selected subtask, not the action bar's.
    s.handle(Intent::SetTarget(Target::Subtask, "1".into()));
    s.handle(Intent::CrashTargetSubtask);
    let view = s.publish();
    let cause = &view.view.latest_recovery.as_ref().unwrap().cause;
    assert_eq!(
        *cause,
        crate::engine::report::stats::FailureCause::SubtaskFailed { subtask: 2 }
    );

    // K corrupts the selected key group's chunk in the latest checkpoint.
    let mut s = paused();
    s.handle(Intent::StepCheckpoint);
    run_until_idle(&mut s, &mut ts);
    s.handle(Intent::Select(Some(Selection::KeyGroup(5))));
    s.handle(Intent::CorruptTargetChunk);
    let view = s.publish();
    let chunk = view.view.key_groups[5].chunk.unwrap();
    assert!(view.corrupted.contains(&chunk));
    assert!(view.notice.as_deref().unwrap().contains("corrupted"));

    // Without a selection, the action bar's inputs; a bad one is said, nothing happens.
    s.handle(Intent::Select(None));
    s.handle(Intent::SetTarget(Target::KeyGroup, "999".into()));
    s.handle(Intent::LoseTargetChunk);
    assert!(s
        .publish()
        .notice
        .as_deref()
        .unwrap()
        .contains("key groups are 0 to"));
    s.handle(Intent::SetTarget(Target::Parallelism, "2".into()));
    let effect = s.handle(Intent::RescaleToTarget);
    assert!(matches!(effect, Some(Effect::ReplaceQuery(q)) if q.contains("job.parallelism=2")));
}

#[test]
fn keys_one_to_six_choose_the_step_and_step() {
    let mut s = paused();
    let mut ts = 0.0;
    s.handle(Intent::StepTo(StepKind::Snapshot));
    assert!(s.publish().stepping);
    run_until_idle(&mut s, &mut ts);
    let view = s.publish();
    assert_eq!(view.step_kind, StepKind::Snapshot);
    assert_eq!(
        view.view.counts.in_progress, 1,
        "inside the first checkpoint"
    );
    // → / . step to the next of the same kind.
    s.handle(Intent::StepMoment);
    run_until_idle(&mut s, &mut ts);
    assert!(s.publish().view.now_us > view.view.now_us);
}

#[test]
fn slow_motion_stretches_a_checkpoint_over_seconds_and_says_so() {
    // Plays 16 ms frames at 1× from a paused start and returns the wall seconds between
    // the first checkpoint's trigger and its completion, and what the page said.
    let through = |search: &str| {
        let (mut s, _, _) = open(search, true);
        s.handle(Intent::Play);
        let mut ts = 0.0;
        let (mut started, mut said) = (None, None);
        for frame in 0..2_000 {
            ts += 16.0;
            s.frame(ts);
            let view = s.publish();
            if started.is_none() && view.view.counts.triggered > 0 {
                started = Some(frame);
            }
            if said.is_none() {
                said = view.slowed.clone();
            }
            if view.view.counts.completed > 0 {
                let frames = frame - started.unwrap();
                return (f64::from(frames) * 0.016, said);
            }
        }
        panic!("no checkpoint completed");
    };
    let (fast, said) = through("?slowmo=0");
    assert!(fast < 0.1, "{fast} s without slow motion");
    assert_eq!(said, None);
    let (slow, said) = through("?slowmo=1");
    assert!((3.0..8.0).contains(&slow), "{slow} s in slow motion");
    assert_eq!(said.as_deref(), Some("checkpoint 1"));
}

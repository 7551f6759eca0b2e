//! What the pipeline animates, from pictures a real session publishes.

use std::rc::Rc;

use super::*;
use crate::lab::intent::Intent;
use crate::lab::session::Session;

/// A session on a clock that never moves; `playing` unless `reduced_motion`.
fn session(reduced_motion: bool) -> Session {
    Session::open(
        "",
        "http://lab.test/".into(),
        reduced_motion,
        "",
        Box::new(|| 0.0),
    )
    .0
}

/// Frames of 16 ms, then the picture.
fn frames(s: &mut Session, ts: &mut f64, n: usize) -> Rc<LabView> {
    for _ in 0..n {
        *ts += 16.0;
        s.frame(*ts);
    }
    s.publish()
}

#[test]
fn emitted_records_travel_as_dots_and_arrive() {
    let mut s = session(false);
    let mut ts = 0.0;
    let mut motion = Motion::default();
    let view = frames(&mut s, &mut ts, 10);
    assert!(!view.emitted.is_empty());
    motion.absorb(&view, 1_000.0);
    assert_eq!(motion.dots.len(), view.emitted.len());
    assert!(motion.dots.iter().all(|d| (0.0..1.0).contains(&d.lane)));
    // The same picture again adds nothing.
    motion.absorb(&view, 1_010.0);
    assert_eq!(motion.dots.len(), view.emitted.len());
    assert!(motion.expire(1_000.0 + DOT_TRAVEL_MS / 2.0));
    assert!(!motion.expire(1_000.0 + DOT_TRAVEL_MS), "all arrived");
    assert!(motion.dots.is_empty());
    assert!(!motion.active());
}

#[test]
fn reduced_motion_sends_no_dots() {
    let mut s = session(true);
    s.handle(Intent::Play);
    let mut ts = 0.0;
    let view = frames(&mut s, &mut ts, 10);
    assert!(!view.emitted.is_empty(), "records were emitted");
    let mut motion = Motion::default();
    motion.absorb(&view, 0.0);
    assert!(motion.dots.is_empty());
}

#[test]
fn at_most_so_many_dots_are_alive() {
    let base = session(false).publish();
    let mut motion = Motion::default();
    for revision in 1..=10u64 {
        let mut view = (*base).clone();
        view.revision = revision;
        view.emitted = Rc::new(
            (0..60)
                .map(|i| EmittedRecord {
                    offset: revision * 100 + i,
                    key_group: 0,
                    subtask: 0,
                })
                .collect(),
        );
        motion.absorb(&view, 0.0);
    }
    assert_eq!(motion.dots.len(), MAX_DOTS);
    // 600 pushed, the oldest 200 dropped: the first left is the 21st of picture 4.
    assert_eq!(motion.dots[0].record.offset, 420);
}

#[test]
fn a_snapshot_flashes_its_subtask() {
    let mut s = session(true);
    let mut ts = 0.0;
    let mut motion = Motion::default();
    motion.absorb(&s.publish(), 0.0);
    assert!(motion.flashes.is_empty(), "no snapshot yet");
    s.handle(Intent::StepCheckpoint);
    let view = frames(&mut s, &mut ts, 200);
    assert_eq!(view.view.counts.completed, 1);
    motion.absorb(&view, 5_000.0);
    assert_eq!(motion.flashes.len(), view.view.subtasks.len());
    assert!(motion.expire(5_000.0 + FLASH_MS / 2.0));
    motion.expire(5_000.0 + FLASH_MS);
    assert!(motion.flashes.is_empty());
}

#[test]
fn a_restore_rewinds_the_source_and_takes_back_its_dots() {
    let mut s = session(false);
    let mut ts = 0.0;
    let mut motion = Motion::default();
    s.handle(Intent::StepCheckpoint);
    frames(&mut s, &mut ts, 200);
    // Records past the checkpoint's offset, for the rewind to take back.
    s.handle(Intent::Play);
    motion.absorb(&frames(&mut s, &mut ts, 60), 0.0);
    s.handle(Intent::CrashJob);
    s.handle(Intent::Play);
    let mut rewound = None;
    for i in 0..2_000 {
        let view = frames(&mut s, &mut ts, 1);
        motion.absorb(&view, f64::from(i));
        if let Some(r) = motion.rewind {
            rewound = Some((r, view));
            break;
        }
    }
    let ((at, from, to), view) = rewound.expect("the source rewound");
    let recovery = view.view.latest_recovery.clone().unwrap();
    assert_eq!(
        (from, to),
        (recovery.offset_at_failure, recovery.restore_offset)
    );
    assert!(to < from);
    assert!(motion.dots.is_empty(), "no dots for records taken back");
    motion.expire(at + REWIND_MS);
    assert_eq!(motion.rewind, None);
}

#[test]
fn a_new_run_starts_with_nothing_in_motion() {
    let mut s = session(false);
    let mut ts = 0.0;
    let mut motion = Motion::default();
    motion.absorb(&frames(&mut s, &mut ts, 10), 0.0);
    assert!(!motion.dots.is_empty());
    s.handle(Intent::Reset);
    motion.absorb(&s.publish(), 1.0);
    assert!(motion.dots.is_empty());
    assert!(motion.flashes.is_empty());
}

#[test]
fn cells_move_to_their_new_subtask_after_a_rescale() {
    let cell = |kg: u32, x: f64| (kg, Rect::new(x, f64::from(kg) * 10.0, 8.0, 8.0));
    let before: HashMap<u32, Rect> = (0..4).map(|kg| cell(kg, 0.0)).collect();
    let after: HashMap<u32, Rect> = (0..4).map(|kg| cell(kg, 50.0)).collect();
    let mut motion = Motion::default();
    motion.place_cells(2, before.clone(), 0.0, true);
    assert!(
        motion.moves.is_empty(),
        "the first frame has nothing to move from"
    );
    motion.place_cells(2, after.clone(), 10.0, true);
    assert!(motion.moves.is_empty(), "same parallelism: cells stay");
    motion.place_cells(3, before.clone(), 100.0, true);
    assert_eq!(motion.moves.len(), 4);
    assert_eq!(motion.moves[&1], (after[&1], before[&1]));
    assert_eq!(motion.move_progress(100.0), 0.0);
    assert_eq!(motion.move_progress(100.0 + MOVE_MS), 1.0);
    assert!(motion.expire(100.0 + MOVE_MS / 2.0));
    motion.expire(100.0 + MOVE_MS);
    assert!(motion.moves.is_empty());
    // With reduced motion the cells jump.
    motion.place_cells(4, after, 200.0, false);
    assert!(motion.moves.is_empty());
}

#[test]
fn easing_starts_and_stops_smoothly() {
    let cases: &[(f64, f64)] = &[
        (-1.0, 0.0),
        (0.0, 0.0),
        (0.25, 0.156_25),
        (0.5, 0.5),
        (0.75, 0.843_75),
        (1.0, 1.0),
        (2.0, 1.0),
    ];
    for (t, want) in cases {
        assert_eq!(ease(*t), *want, "ease({t})");
    }
}

#[test]
fn a_new_checkpoints_barriers_travel_then_arrive() {
    let mut s = session(false);
    let mut ts = 0.0;
    let mut motion = Motion::default();
    s.handle(Intent::StepTo(crate::lab::stepping::StepKind::Barrier));
    let view = frames(&mut s, &mut ts, 200);
    let id = view.history.last().unwrap().id;
    motion.absorb(&view, 1_000.0);
    assert_eq!(
        motion.barrier_travel(id, 1_000.0),
        Some(0.0),
        "just left the source"
    );
    let half = motion
        .barrier_travel(id, 1_000.0 + BARRIER_TRAVEL_MS / 2.0)
        .unwrap();
    assert!((half - 0.5).abs() < 1e-9);
    assert_eq!(
        motion.barrier_travel(id + 1, 1_000.0),
        None,
        "only the newest"
    );
    assert!(motion.expire(1_000.0 + BARRIER_TRAVEL_MS / 2.0));
    motion.expire(1_000.0 + BARRIER_TRAVEL_MS);
    assert_eq!(motion.barriers, None, "arrived");
    // The same checkpoint seen again does not travel again.
    let mut again = (*view).clone();
    again.revision += 1;
    motion.absorb(&again, 5_000.0);
    assert_eq!(motion.barriers, None);
}

#[test]
fn a_spotlight_shows_once_per_request_and_fades() {
    let base = session(true).publish();
    let mut motion = Motion::default();
    let mut view = (*base).clone();
    view.revision = 1;
    view.spotlight = Some((Spot::State, 1));
    motion.absorb(&view, 100.0);
    assert_eq!(motion.spotlight, Some((Spot::State, 100.0)));
    motion.expire(100.0 + SPOTLIGHT_MS);
    assert_eq!(motion.spotlight, None);
    // The same request again is not a new one; a new number is.
    view.revision = 2;
    motion.absorb(&view, 200.0);
    assert_eq!(motion.spotlight, None);
    view.revision = 3;
    view.spotlight = Some((Spot::Store, 2));
    motion.absorb(&view, 300.0);
    assert_eq!(motion.spotlight, Some((Spot::Store, 300.0)));
}

//! What the pipeline animates on the wall clock between engine states: records travelling
//! from the source, the flash of a snapshot, key groups moving to new subtasks after a
//! rescale, the source rewinding. All of it is decoration of facts in the published
//! picture; nothing here decides anything about the simulation, and nothing here draws:
//! the pipeline's canvas (`ui/pipeline/scene.rs`) reads where things are.

use std::collections::HashMap;

use super::geometry::Rect;
use super::view::{EmittedRecord, LabView};

/// Wall time a record dot takes from the source to its channel, in ms.
pub const DOT_TRAVEL_MS: f64 = 650.0;
/// How long a snapshot flash lasts, in ms.
pub const FLASH_MS: f64 = 550.0;
/// How long key groups take to move to their new subtasks after a rescale, in ms.
pub const MOVE_MS: f64 = 1_400.0;
/// How long the "source rewound" mark stays, in ms.
pub const REWIND_MS: f64 = 2_500.0;
/// Dots alive at once; the oldest go first past this.
const MAX_DOTS: usize = 400;

#[derive(Clone, Copy, Debug)]
pub struct Dot {
    pub record: EmittedRecord,
    pub born_ms: f64,
    /// A small vertical spread at the source so simultaneous dots do not overlap.
    pub lane: f64,
}

#[derive(Default)]
pub struct Motion {
    pub dots: Vec<Dot>,
    /// Subtask → wall time its latest snapshot flash started.
    pub flashes: HashMap<u32, f64>,
    last_snapshot: HashMap<u32, Option<u64>>,
    /// Key group → (where it was drawn before the rescale, where it is now), and when the
    /// move started.
    pub moves: HashMap<u32, (Rect, Rect)>,
    pub move_started_ms: f64,
    /// Where each key group's cell was drawn last frame, by parallelism.
    pub cell_rects: HashMap<u32, Rect>,
    pub cell_parallelism: u32,
    /// When the source's offset went backwards (a restore rewound it), and from where.
    pub rewind: Option<(f64, u64, u64)>,
    seen_restore: Option<u64>,
    seen_revision: u64,
    generation: u64,
}

impl Motion {
    /// Takes in a newly published state: new dots, snapshot flashes, rewinds.
    pub fn absorb(&mut self, lab: &LabView, now_ms: f64) {
        if lab.revision == self.seen_revision {
            return;
        }
        self.seen_revision = lab.revision;
        if lab.generation != self.generation {
            *self = Motion {
                generation: lab.generation,
                seen_revision: lab.revision,
                ..Motion::default()
            };
        }
        let view = &lab.view;
        if !lab.reduced_motion {
            // Spread the records of one state over the frame they stand for, so a burst
            // reads as a stream.
            let n = lab.emitted.len().max(1) as f64;
            for (i, record) in lab.emitted.iter().enumerate() {
                let lane = ((record.offset.wrapping_mul(2_654_435_761)) % 1000) as f64 / 1000.0;
                self.dots.push(Dot {
                    record: *record,
                    born_ms: now_ms - 16.0 * (1.0 - i as f64 / n),
                    lane,
                });
            }
            if self.dots.len() > MAX_DOTS {
                let excess = self.dots.len() - MAX_DOTS;
                self.dots.drain(..excess);
            }
        }
        for s in &view.subtasks {
            let before = self.last_snapshot.insert(s.index, s.last_snapshot_at_us);
            if let (Some(before), Some(_)) = (before, s.last_snapshot_at_us) {
                if before != s.last_snapshot_at_us {
                    self.flashes.insert(s.index, now_ms);
                }
            }
        }
        // A restore rewinds the source to the checkpoint's offset; replay may carry it
        // past the old offset within the same frame, so watch the recovery, not the offset.
        let restored = view.latest_recovery.as_ref().and_then(|r| {
            r.restored_at_us
                .map(|t| (t, r.offset_at_failure, r.restore_offset))
        });
        if let Some((at, from, to)) = restored {
            if self.seen_restore != Some(at) {
                if self.seen_restore.is_some() || self.seen_revision > 1 {
                    self.rewind = Some((now_ms, from, to));
                    // Dots for records that the rewind took back would lie.
                    self.dots.clear();
                }
                self.seen_restore = Some(at);
            }
        }
    }

    pub fn active(&self) -> bool {
        !self.dots.is_empty()
            || !self.flashes.is_empty()
            || !self.moves.is_empty()
            || self.rewind.is_some()
    }

    /// Drops finished animations; returns whether anything still moves.
    pub fn expire(&mut self, now_ms: f64) -> bool {
        self.dots.retain(|d| now_ms - d.born_ms < DOT_TRAVEL_MS);
        self.flashes.retain(|_, t| now_ms - *t < FLASH_MS);
        if !self.moves.is_empty() && now_ms - self.move_started_ms >= MOVE_MS {
            self.moves.clear();
        }
        if self.rewind.is_some_and(|(t, _, _)| now_ms - t >= REWIND_MS) {
            self.rewind = None;
        }
        !self.dots.is_empty()
            || !self.flashes.is_empty()
            || !self.moves.is_empty()
            || self.rewind.is_some()
    }

    /// Records where key group cells are drawn; when the parallelism changed since the
    /// last frame, starts moving each cell from its old place to its new one.
    pub fn place_cells(
        &mut self,
        parallelism: u32,
        rects: HashMap<u32, Rect>,
        now_ms: f64,
        animate: bool,
    ) {
        if self.cell_parallelism != 0 && parallelism != self.cell_parallelism && animate {
            self.moves = rects
                .iter()
                .filter_map(|(kg, to)| self.cell_rects.get(kg).map(|from| (*kg, (*from, *to))))
                .collect();
            self.move_started_ms = now_ms;
        }
        self.cell_parallelism = parallelism;
        self.cell_rects = rects;
    }

    /// Progress 0..1 of the rescale move, eased.
    pub fn move_progress(&self, now_ms: f64) -> f64 {
        ease((now_ms - self.move_started_ms) / MOVE_MS)
    }
}

/// Smooth start and stop.
pub fn ease(t: f64) -> f64 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

#[cfg(test)]
mod tests {
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
        motion.absorb(&frames(&mut s, &mut ts, 200), 0.0);
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
}

//! What the pipeline animates on the wall clock between engine states: records travelling
//! from the source, a checkpoint's barriers travelling with them, the flash of a
//! snapshot, key groups moving to new subtasks after a rescale, the source rewinding, a
//! place in the pipeline pointed at. All of it is decoration of facts in the published
//! picture; nothing here decides anything about the simulation, and nothing here draws:
//! the pipeline's canvas (`ui/pipeline/scene.rs`) reads where things are.
//!
//! Barriers: in the engine the coordinator puts a barrier into every channel behind the
//! records already queued there; with empty channels it reaches its subtask at once. As
//! records do, it is drawn leaving the source and travelling to its channel (in
//! [`BARRIER_TRAVEL_MS`] of wall time), then sitting where the engine says it is; slow
//! motion holds the run long enough for the snapshots to come after it arrives.

use std::collections::HashMap;

use super::geometry::Rect;
use super::model::Spot;
use super::view::{EmittedRecord, LabView};
use crate::engine::report::stats::CheckpointStatus;
use crate::engine::transfer::store::CheckpointId;

/// Wall time a record dot takes from the source to its channel, in ms.
pub const DOT_TRAVEL_MS: f64 = 650.0;
/// How long a snapshot flash lasts, in ms.
pub const FLASH_MS: f64 = 900.0;
/// Wall time a checkpoint's barriers take from the source to their channels, in ms.
pub const BARRIER_TRAVEL_MS: f64 = 1_100.0;
/// How long a place pointed at stays marked, in ms.
pub const SPOTLIGHT_MS: f64 = 2_500.0;
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
    /// The newest checkpoint's barriers and when they left the source.
    pub barriers: Option<(CheckpointId, f64)>,
    /// A place pointed at, and since when.
    pub spotlight: Option<(Spot, f64)>,
    seen_checkpoint: Option<CheckpointId>,
    seen_spotlight: u64,
    seen_restore: Option<u64>,
    seen_revision: u64,
    generation: u64,
    /// Pictures taken in since the simulation was last replaced.
    pictures: u64,
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
        self.pictures += 1;
        let view = &lab.view;
        // A new checkpoint: its barriers leave the source now (at once with reduced motion).
        let running = lab
            .history
            .iter()
            .rev()
            .find(|h| h.status == CheckpointStatus::InProgress)
            .map(|h| h.id);
        if let Some(id) = running {
            if self.seen_checkpoint.is_none_or(|seen| id > seen) {
                let left = if lab.reduced_motion {
                    now_ms - BARRIER_TRAVEL_MS
                } else {
                    now_ms
                };
                self.barriers = Some((id, left));
                self.seen_checkpoint = Some(id);
            }
        }
        if let Some((spot, n)) = lab.spotlight {
            if n != self.seen_spotlight {
                self.seen_spotlight = n;
                self.spotlight = Some((spot, now_ms));
            }
        }
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
                // Not in the first picture of a run or a jump: that restore is the past.
                if self.seen_restore.is_some() || self.pictures > 1 {
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
            || self.barriers.is_some()
            || self.spotlight.is_some()
    }

    /// How far the newest checkpoint's barriers have travelled from the source (0 to 1),
    /// if `checkpoint` is that one.
    pub fn barrier_travel(&self, checkpoint: CheckpointId, now_ms: f64) -> Option<f64> {
        match self.barriers {
            Some((id, t)) if id == checkpoint => {
                Some(((now_ms - t) / BARRIER_TRAVEL_MS).clamp(0.0, 1.0))
            }
            _ => None,
        }
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
        if self
            .barriers
            .is_some_and(|(_, t)| now_ms - t >= BARRIER_TRAVEL_MS)
        {
            // Arrived: from here the barriers sit where the engine says they are.
            self.barriers = None;
        }
        if self
            .spotlight
            .is_some_and(|(_, t)| now_ms - t >= SPOTLIGHT_MS)
        {
            self.spotlight = None;
        }
        self.active()
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
mod tests;

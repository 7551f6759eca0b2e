//! Publishing the run: what the engine says now, as the parts of a [`LabView`]
//! (`super::view::LabView`): its view, the tail of its history, log and samples, the
//! records emitted since the last picture (sampled for the pipeline's dots). Parts that
//! did not change keep their `Rc`, so a memoised component that compares pointers skips
//! its work and building a picture stays cheap.

use std::collections::BTreeSet;
use std::rc::Rc;

use crate::engine::config::Config;
use crate::engine::report::events::LogEntry;
use crate::engine::report::metrics::Sample;
use crate::engine::report::stats::CheckpointStats;
use crate::engine::report::view::SimView;
use crate::engine::transfer::store::ChunkId;

use crate::engine::sim::Simulation;

/// Dots per wall second the pipeline can show legibly; above that, dots are sampled.
pub const DOTS_PER_SECOND: f64 = 120.0;
/// Most dots one picture carries (a step may emit thousands of records at once).
pub const MAX_DOTS_PER_PICTURE: u64 = 60;
/// How many checkpoint history rows, log entries and samples a picture carries.
pub const HISTORY_ROWS: usize = 100;
pub const EVENT_ROWS: usize = 200;
pub const SAMPLE_ROWS: usize = 3_000;
/// Most records read per picture to find the selected key group's (past it, its dots are
/// sampled like the others).
pub const MAX_SCAN_FOR_SELECTED: u64 = 20_000;

/// One record as it left the source, for drawing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmittedRecord {
    pub offset: u64,
    pub key_group: u32,
    pub subtask: u32,
}

/// The run's side of a picture.
#[derive(Clone, Debug)]
pub struct RunPicture {
    pub config: Rc<Config>,
    pub view: Rc<SimView>,
    pub history: Rc<Vec<CheckpointStats>>,
    pub events: Rc<Vec<LogEntry>>,
    pub samples: Rc<Vec<Sample>>,
    pub emitted: Rc<Vec<EmittedRecord>>,
    pub dot_stride: u64,
    pub corrupted: Rc<BTreeSet<ChunkId>>,
    pub stepping: bool,
    pub generation: u64,
}

/// A run to publish: its simulation and what the page knows beside it.
pub struct Run<'a> {
    pub sim: &'a Simulation,
    /// Chunks corrupted from the page (the store does not flag them).
    pub corrupted: &'a BTreeSet<ChunkId>,
    /// A step is being worked through.
    pub stepping: bool,
    /// Changes whenever the simulation is replaced, so nothing of the last is reused.
    pub generation: u64,
}

/// What the last picture was built from, to skip rebuilding the parts that did not change.
#[derive(Default)]
pub struct Publisher {
    last: Option<RunPicture>,
    published_offset: u64,
    history_key: Option<(usize, u64, u64, u64, u32, u64)>,
    events_key: Option<usize>,
    samples_key: Option<(usize, u64)>,
}

impl Publisher {
    /// A publisher whose pictures carry dots only for records after `offset`: for a
    /// simulation first shown in the middle of its run (a branch compared beside the
    /// page's), whose earlier records nobody saw leave.
    pub fn starting_at(offset: u64) -> Self {
        Self {
            published_offset: offset,
            ..Self::default()
        }
    }

    /// A run as it is now: the page's (`Driver::run`), or the branch compared beside it
    /// (`lab::travel`), drawn by the same code. `emit_rate` (records per wall second,
    /// smoothed) decides how many records one dot stands for; every record of the
    /// `selected` key group gets its dot whatever the sampling, so a person can follow
    /// that key group's records.
    pub fn publish(&mut self, run: &Run, emit_rate: f64, selected: Option<u32>) -> RunPicture {
        let sim = run.sim;
        let generation = run.generation;
        let jumped = self
            .last
            .as_ref()
            .is_some_and(|l| l.generation != generation);
        let last = self.last.take().filter(|l| l.generation == generation);
        let view = sim.view();
        if last.is_none() {
            // A new run or a jump: nothing of the old one is reused; after a jump, no
            // dots for the records before this picture (none was seen leaving).
            *self = Publisher {
                published_offset: if jumped {
                    view.source.offset
                } else {
                    self.published_offset
                },
                ..Publisher::default()
            };
        }

        // Dots for the records emitted since the last picture, one per `stride` offsets.
        let offset = view.source.offset;
        let mut stride = nice_stride(emit_rate / DOTS_PER_SECOND);
        let mut emitted = Vec::new();
        if offset > self.published_offset {
            let from = self.published_offset;
            let span = offset - from;
            stride = stride.max(nice_stride(span as f64 / MAX_DOTS_PER_PICTURE as f64));
            let workload = sim.workload();
            let keys = workload.keys();
            let partitioning = sim.partitioning();
            let dot = |o: u64| {
                let key_group = keys.key_group(workload.record(o).key);
                EmittedRecord {
                    offset: o,
                    key_group,
                    subtask: partitioning.subtask_of_key_group(key_group),
                }
            };
            match selected {
                // Every offset is read (a bounded number): the sampled ones and the
                // selected key group's, in offset order.
                Some(kg) if span <= MAX_SCAN_FOR_SELECTED => {
                    for o in from..offset {
                        let record = dot(o);
                        if o % stride == 0 || record.key_group == kg {
                            emitted.push(record);
                        }
                    }
                }
                _ => {
                    let mut o = from.div_ceil(stride) * stride;
                    while o < offset {
                        emitted.push(dot(o));
                        o += stride;
                    }
                }
            }
        }
        self.published_offset = offset;

        let all = sim.history();
        let newest = all.last();
        let history_key = Some((
            all.len(),
            sim.counts().completed,
            sim.counts().failed,
            newest
                .and_then(|h| h.latest_acknowledgement_us)
                .unwrap_or(0),
            newest.map_or(0, |h| h.acknowledged_subtasks + h.key_groups_shipped),
            newest.map_or(0, |h| h.checkpointed_data_size + h.raw_data_size),
        ));
        let history = match &last {
            Some(l) if history_key == self.history_key => l.history.clone(),
            _ => {
                self.history_key = history_key;
                let start = all.len().saturating_sub(HISTORY_ROWS);
                Rc::new(all[start..].to_vec())
            }
        };

        let log_len = sim.log().len();
        let events = match &last {
            Some(l) if Some(log_len) == self.events_key => l.events.clone(),
            _ => {
                self.events_key = Some(log_len);
                let mut rows: Vec<_> = sim.log().iter().rev().take(EVENT_ROWS).cloned().collect();
                rows.reverse();
                Rc::new(rows)
            }
        };

        let samples_key = Some((
            sim.samples().count(),
            sim.samples().next_back().map_or(0, |s| s.at_us),
        ));
        let samples = match &last {
            Some(l) if samples_key == self.samples_key => l.samples.clone(),
            _ => {
                self.samples_key = samples_key;
                let mut rows: Vec<_> = sim.samples().rev().take(SAMPLE_ROWS).cloned().collect();
                rows.reverse();
                Rc::new(rows)
            }
        };

        let config = match &last {
            Some(l) if l.config.as_ref() == sim.config() => l.config.clone(),
            _ => Rc::new(sim.config().clone()),
        };
        let corrupted = match &last {
            Some(l) if *l.corrupted == *run.corrupted => l.corrupted.clone(),
            _ => Rc::new(run.corrupted.clone()),
        };

        let picture = RunPicture {
            config,
            view: Rc::new(view),
            history,
            events,
            samples,
            emitted: Rc::new(emitted),
            dot_stride: stride,
            corrupted,
            stepping: run.stepping,
            generation,
        };
        self.last = Some(picture.clone());
        picture
    }
}

/// The smallest of 1, 2, 5, 10, 20, 50 … that is at least `x`.
pub fn nice_stride(x: f64) -> u64 {
    let mut step = 1u64;
    loop {
        for m in [1, 2, 5] {
            let s = step * m;
            if s as f64 >= x {
                return s;
            }
        }
        if step > u64::MAX / 100 {
            return step;
        }
        step *= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::Config;
    use crate::lab::driver::Driver;

    #[test]
    fn strides_are_round_numbers() {
        let cases: &[(f64, u64)] = &[
            (f64::NEG_INFINITY, 1),
            (-1.0, 1),
            (0.0, 1),
            (1.0, 1),
            (1.1, 2),
            (2.0, 2),
            (3.0, 5),
            (5.1, 10),
            (11.0, 20),
            (1_000.0, 1_000),
            (1_001.0, 2_000),
            (f64::NAN, 1_000_000_000_000_000_000),
            (f64::INFINITY, 1_000_000_000_000_000_000),
        ];
        for (x, want) in cases {
            assert_eq!(nice_stride(*x), *want, "nice_stride({x})");
        }
    }

    #[test]
    fn unchanged_parts_are_shared_and_new_records_become_dots() {
        let (mut driver, _) = Driver::new(Config::default());
        let mut publisher = Publisher::default();
        let first = publisher.publish(&driver.run(), 0.0, None);
        assert!(first.emitted.is_empty(), "nothing emitted at time 0");
        let again = publisher.publish(&driver.run(), 0.0, None);
        assert!(Rc::ptr_eq(&first.history, &again.history));
        assert!(Rc::ptr_eq(&first.events, &again.events));
        assert!(Rc::ptr_eq(&first.samples, &again.samples));
        assert!(Rc::ptr_eq(&first.config, &again.config));
        assert!(Rc::ptr_eq(&first.corrupted, &again.corrupted));

        // 10 s at 100 records/s: 1 000 records, at most 60 dots, in offset order.
        let budget = crate::lab::driver::Budget {
            clock: &|| 0.0,
            deadline_ms: f64::INFINITY,
        };
        driver.advance_towards(10_000_000, &budget, None);
        let moved = publisher.publish(&driver.run(), 0.0, None);
        let offset = moved.view.source.offset;
        assert!(offset > 0);
        assert!(moved.emitted.len() as u64 <= MAX_DOTS_PER_PICTURE);
        assert!(!moved.emitted.is_empty());
        assert!(moved.emitted.windows(2).all(|w| w[0].offset < w[1].offset));
        assert!(moved
            .emitted
            .iter()
            .all(|d| d.offset % moved.dot_stride == 0));
        assert!(moved.emitted.iter().all(|d| d.offset < offset));
        let partitioning = driver.sim().partitioning();
        for dot in moved.emitted.iter() {
            assert_eq!(
                partitioning.subtask_of_key_group(dot.key_group),
                dot.subtask
            );
        }

        // The selected key group's records all get dots, besides the sampled ones.
        driver.advance_towards(20_000_000, &budget, None);
        let kg = moved.emitted[0].key_group;
        let picked = publisher.publish(&driver.run(), 0.0, Some(kg));
        let theirs = picked.emitted.iter().filter(|d| d.key_group == kg).count();
        let sampled = picked
            .emitted
            .iter()
            .filter(|d| d.offset % picked.dot_stride == 0)
            .count();
        assert!(theirs > 0);
        assert!(picked.emitted.len() > sampled || theirs == sampled);
        assert!(picked.emitted.windows(2).all(|w| w[0].offset < w[1].offset));

        // A new run shares nothing with the old one.
        driver.reset().unwrap();
        let fresh = publisher.publish(&driver.run(), 0.0, None);
        assert_ne!(fresh.generation, moved.generation);
        assert!(!Rc::ptr_eq(&fresh.history, &moved.history));
        assert!(
            fresh.emitted.is_empty(),
            "no dots for the old run's records"
        );
    }
}

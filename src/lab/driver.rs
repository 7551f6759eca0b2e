//! The run behind the page: the engine's `Simulation` with the trace it was built from,
//! and the stepping goals the frame loop works towards. It turns intents into engine
//! calls and says, in words, what happened; it knows nothing about Yew or the DOM.
//!
//! Engine work is cut into slices of virtual time sized by what slices have cost lately
//! (the caller passes in a wall clock and a deadline), so one frame's work stays near
//! its budget even when the cost per virtual second jumps: a checkpoint's copy-on-write
//! and chunk encoding cost far more than the records around them.

use std::collections::BTreeSet;

use crate::engine::config::Config;
use crate::engine::faults::Fault;
use crate::engine::memory::{self, BROWSER_LIMIT_BYTES};
use crate::engine::partitioning::keygroups::KeyKind;
use crate::engine::partitioning::trace::{Trace, TraceFormat};
use crate::engine::partitioning::workload::SourceConfig;
use crate::engine::report::stats::{CheckpointStatus, JobStatus};
use crate::engine::sim::{Reconfigured, Simulation};
use crate::engine::transfer::store::ChunkId;

use crate::engine::report::events::Event;
use crate::engine::report::format;

use super::publish::Run;
use super::stepping::StepKind;
use super::timeline::Action;
use super::travel::Travel;

mod travel;

/// The most virtual time one engine call may cover before the frame loop checks its
/// budget, and the least (below it, per-call overhead dominates).
pub const SLICE_US: u64 = 10_000;
const MIN_SLICE_US: u64 = 50;
/// Slices around a checkpoint's barriers, and how long after the last barrier.
const SNAPSHOT_SLICE_US: u64 = 100;
const SNAPSHOT_WINDOW_US: u64 = 5_000;
/// Wall time one slice should cost, at most, in ms.
const SLICE_TARGET_MS: f64 = 1.5;
/// What the frame loop is stepping towards; the run pauses when it is reached.
#[derive(Clone, Debug, PartialEq)]
pub struct Goal {
    /// Stop at the next event of this kind …
    pub kind: StepKind,
    /// … logged with this sequence number or later …
    pub from_seq: u64,
    /// … or at this virtual time, whichever comes first.
    pub deadline_us: u64,
}

/// The frame's budget: a wall clock in ms (the page's `performance.now()`) and the time
/// by which engine work should stop.
pub struct Budget<'a> {
    pub clock: &'a dyn Fn() -> f64,
    pub deadline_ms: f64,
}

impl Budget<'_> {
    fn left_ms(&self) -> f64 {
        self.deadline_ms - (self.clock)()
    }
}

/// How a stretch of frame work ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Progress {
    /// Reached the requested virtual time (or the goal).
    Done,
    /// The frame budget ran out first.
    OutOfBudget,
    /// Stopped early, exactly where an event the caller watches for happened.
    Stopped,
}

pub struct Driver {
    sim: Simulation,
    trace: Option<Trace>,
    goal: Option<Goal>,
    /// Chunks this page corrupted: the store does not say, the person should see it.
    corrupted: BTreeSet<ChunkId>,
    /// Bumped whenever the simulation is replaced, so views can drop remembered state.
    generation: u64,
    /// Wall ms per virtual µs of recent slices (rises at once, falls slowly), and the size
    /// of the next slice.
    cost_ms_per_us: f64,
    slice_us: u64,
    /// The run's timeline: its past, its branches, the actions replayed in its past.
    travel: Travel,
    /// What time travel did that the person should hear (a branch started).
    travel_note: Option<String>,
}

impl Driver {
    /// Builds the run; a config that cannot start (a trace source with no trace) falls
    /// back to the generated source and says so.
    pub fn new(config: Config) -> (Self, Option<String>) {
        let mut note = None;
        let mut config = config;
        if matches!(config.workload.source, SourceConfig::Trace) {
            config.workload.source = Config::default().workload.source;
            note = Some(
                "a trace cannot travel in a link: load it again (Workload panel); the generated \
                 source runs meanwhile"
                    .to_string(),
            );
        }
        let started = fits(&config, None).and_then(|()| {
            Simulation::new(config.clone(), None)
                .map_err(|e| format!("the configuration could not start ({e})"))
        });
        let sim = match started {
            Ok(sim) => sim,
            Err(why) => {
                note = Some(format!("{why}; the defaults are used, seed kept"));
                config = Config {
                    seed: config.seed,
                    ..Config::default()
                };
                Simulation::new(config.clone(), None).expect("the default config starts")
            }
        };
        (
            Self {
                travel: Travel::new(&sim),
                travel_note: None,
                sim,
                trace: None,
                goal: None,
                corrupted: BTreeSet::new(),
                generation: 0,
                cost_ms_per_us: 0.0,
                slice_us: MIN_SLICE_US,
            },
            note,
        )
    }

    pub fn sim(&self) -> &Simulation {
        &self.sim
    }

    /// The running job's configuration: the engine's, so live changes and injected
    /// bandwidth changes show up here too.
    pub fn config(&self) -> &Config {
        self.sim.config()
    }

    /// The run as the publisher reads it (`lab::publish`).
    pub fn run(&self) -> Run<'_> {
        Run {
            sim: &self.sim,
            corrupted: &self.corrupted,
            stepping: self.goal.is_some(),
            generation: self.generation,
        }
    }

    pub fn goal(&self) -> Option<&Goal> {
        self.goal.as_ref()
    }

    pub fn corrupted(&self) -> &BTreeSet<ChunkId> {
        &self.corrupted
    }

    /// The simulation itself, for an open lesson: the session lends it to the lesson's
    /// own session for the length of one call (`session/lesson.rs`), so the lesson plays
    /// the very run the page draws and the controls act on.
    pub(crate) fn sim_slot(&mut self) -> &mut Simulation {
        &mut self.sim
    }

    /// The simulation was replaced through [`Self::sim_slot`] (a lesson moved to another
    /// step, or closed): no goal, view or timeline carries over, and the chunks its run corrupted (the engine
    /// logs each one) are marked as if corrupted from this page.
    pub(crate) fn replaced(&mut self) {
        self.goal = None;
        self.generation += 1;
        // The timeline's past is another run's: this one's starts here.
        self.travel = Travel::new(&self.sim);
        let store = self.sim.store();
        self.corrupted = self
            .sim
            .log()
            .iter()
            .filter_map(|e| match e.event {
                Event::ChunkCorrupted { chunk, .. } => Some(chunk),
                _ => None,
            })
            .filter(|c| store.chunk(*c).is_some())
            .collect();
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// A new simulation from the current config (and trace), at virtual time 0.
    pub fn reset(&mut self) -> Result<(), String> {
        let config = self.sim.config().clone();
        self.restart_with(config)
    }

    fn restart_with(&mut self, config: Config) -> Result<(), String> {
        fits(&config, self.trace.as_ref()).map_err(|why| format!("{why}; {KEPT}"))?;
        let sim = Simulation::new(config, self.trace.as_ref()).map_err(|e| e.to_string())?;
        self.travel = Travel::new(&sim);
        self.sim = sim;
        self.goal = None;
        self.corrupted.clear();
        self.generation += 1;
        Ok(())
    }

    pub fn set_seed(&mut self, seed: u64) -> Result<String, String> {
        if seed == self.sim.config().seed {
            return Ok(format!("seed {seed} is already set"));
        }
        let config = Config {
            seed,
            ..self.sim.config().clone()
        };
        self.restart_with(config)?;
        Ok(format!(
            "seed {seed}: the job restarted from scratch with the new seed"
        ))
    }

    /// Applies a whole configuration through the engine's live reconfiguration: live
    /// settings change in the running job, a new parallelism rescales from the latest
    /// checkpoint (as in Flink), anything else needs a new run from scratch. The message
    /// says which happened.
    pub fn apply_config(&mut self, new: Config) -> Result<Option<String>, String> {
        // The running config follows rescales; its fault schedule was checked at the start.
        let checked = if new.faults == self.sim.config().faults {
            new.validate_settings()
        } else {
            new.validate()
        };
        checked.map_err(|e| format!("configuration refused: {e}"))?;
        if &new == self.sim.config() {
            return Ok(None);
        }
        if matches!(new.workload.source, SourceConfig::Trace) && self.trace.is_none() {
            return Err("a trace source needs a trace: load a `key,value` CSV first".into());
        }
        // Before anything changes: live settings (retained checkpoints, the codec) move
        // the memory a run needs too.
        fits(&new, self.trace.as_ref())
            .map_err(|why| format!("configuration refused: {why}; {KEPT}"))?;
        let latest = self.sim.store().latest().map(|c| (c.id, c.offset));
        let before = self.past_copy()?;
        let outcome = self
            .sim
            .reconfigure(new.clone())
            .map_err(|e| format!("configuration refused: {e}"))?;
        let changed = match &outcome {
            Reconfigured::Rescaled { .. } => true,
            Reconfigured::Live(sections) => !sections.is_empty(),
            Reconfigured::NeedsNewRun(_) => false,
        };
        if changed {
            self.took(
                before,
                Action::Settings {
                    config: Box::new(new.clone()),
                },
            );
        }
        Ok(match outcome {
            Reconfigured::Live(sections) if sections.is_empty() => None,
            Reconfigured::Live(sections) => Some(format!(
                "{} changed live: the running job continues with the new settings",
                sections.join(" and ")
            )),
            Reconfigured::Rescaled { from, to } => {
                self.goal = None;
                Some(rescale_message(from, to, latest))
            }
            Reconfigured::NeedsNewRun(fields) => {
                let names: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
                self.restart_with(new)?;
                Some(format!(
                    "{} cannot change under a running job, so the job restarted from scratch \
                     (virtual time 0) with the new settings",
                    describe_settings(&names)
                ))
            }
        })
    }

    /// Parses a `key,value` CSV; on success the job restarts from scratch on the trace,
    /// on failure nothing changes and the line-numbered reason comes back.
    pub fn load_trace(&mut self, text: &str, format: &TraceFormat) -> Result<String, String> {
        let (trace, layout) = Trace::parse(text, KeyKind::String, format)
            .map_err(|e| format!("trace refused: {e}"))?;
        let (records, keys) = (trace.len(), trace.keys().len());
        let mut config = self.sim.config().clone();
        config.workload.source = SourceConfig::Trace;
        fits(&config, Some(&trace)).map_err(|why| format!("trace refused: {why}; {KEPT}"))?;
        let sim = Simulation::new(config.clone(), Some(&trace))
            .map_err(|e| format!("trace refused: {e}"))?;
        self.travel = Travel::new(&sim);
        self.sim = sim;
        self.trace = Some(trace);
        self.goal = None;
        self.corrupted.clear();
        self.generation += 1;
        Ok(format!(
            "trace loaded: {} records over {} keys ({layout}); the job restarted from scratch \
             on it (a trace cannot travel in a link)",
            format::count(records as u64),
            format::count(keys as u64)
        ))
    }

    /// What the run needs in memory at its busiest (`memory::estimate`).
    pub fn memory_bytes(&self) -> u64 {
        memory::estimate(self.sim.config(), self.trace.as_ref()).bytes
    }

    pub fn trigger_checkpoint(&mut self) -> Result<(), String> {
        let before = self.past_copy()?;
        if self.sim.trigger_checkpoint() {
            self.took(before, Action::TriggerCheckpoint);
            Ok(())
        } else if self.sim.status() != &JobStatus::Running {
            Err("no checkpoint while the job is not running".into())
        } else {
            Err(format!(
                "no checkpoint now: {} already in progress \
                 (execution.checkpointing.max-concurrent-checkpoints)",
                self.sim.counts().in_progress
            ))
        }
    }

    pub fn crash_job(&mut self) -> Result<(), String> {
        let before = self.past_copy()?;
        self.goal = None;
        self.sim.crash_job();
        self.took(before, Action::CrashJob);
        Ok(())
    }

    pub fn crash_subtask(&mut self, subtask: u32) -> Result<(), String> {
        let before = self.past_copy()?;
        self.goal = None;
        self.sim.crash_subtask(subtask).map_err(|e| e.to_string())?;
        self.took(before, Action::CrashSubtask { subtask });
        Ok(())
    }

    /// Rescales through the engine's reconfiguration, so that its config keeps the new
    /// parallelism (a later settings change then does not rescale back).
    pub fn rescale(&mut self, parallelism: u32) -> Result<String, String> {
        if parallelism == self.sim.partitioning().parallelism() {
            return Err(format!(
                "the job already runs with parallelism {parallelism}"
            ));
        }
        let mut config = self.sim.config().clone();
        config.job.parallelism = parallelism;
        config
            .validate_settings()
            .map_err(|e| format!("rescale refused: {e}"))?;
        let latest = self.sim.store().latest().map(|c| (c.id, c.offset));
        let from = self.sim.partitioning().parallelism();
        let before = self.past_copy()?;
        self.sim
            .reconfigure(config.clone())
            .map_err(|e| format!("rescale refused: {e}"))?;
        self.took(
            before,
            Action::Settings {
                config: Box::new(config),
            },
        );
        self.goal = None;
        Ok(rescale_message(from, parallelism, latest))
    }

    /// Injects a link, store or job fault now.
    pub fn inject(&mut self, fault: &Fault) -> Result<String, String> {
        if let Fault::Rescale { parallelism } = fault {
            return self.rescale(*parallelism);
        }
        if matches!(fault, Fault::CrashJob | Fault::CrashSubtask { .. }) {
            self.goal = None;
        }
        let before = self.past_copy()?;
        self.sim.inject(fault).map_err(|e| e.to_string())?;
        self.took(
            before,
            Action::Inject {
                fault: fault.clone(),
            },
        );
        Ok(format!("injected: {}", fault.describe()))
    }

    pub fn corrupt_chunk(&mut self, chunk: ChunkId) -> Result<(), String> {
        let len = self
            .sim
            .store()
            .chunk(chunk)
            .map(|c| c.bytes.len() as u64)
            .ok_or_else(|| format!("chunk {chunk} is not in the store"))?;
        // A bit in the middle of the chunk: inside the payload, not the frame header.
        let bit = len * 4 + 3;
        let before = self.past_copy()?;
        self.sim
            .corrupt_chunk(chunk, bit)
            .map_err(|e| e.to_string())?;
        self.took(before, Action::CorruptChunk { chunk, bit });
        self.corrupted.insert(chunk);
        Ok(())
    }

    pub fn lose_chunk(&mut self, chunk: ChunkId) -> Result<(), String> {
        let before = self.past_copy()?;
        self.sim.lose_chunk(chunk).map_err(|e| e.to_string())?;
        self.took(before, Action::LoseChunk { chunk });
        self.corrupted.remove(&chunk);
        Ok(())
    }

    pub fn inspect(
        &self,
        key_group: u32,
    ) -> Option<crate::engine::report::view::KeyGroupInspection> {
        self.sim.inspect_key_group(key_group, 50)
    }

    /// Sets the goal of stepping to the next moment of `kind`. For the end of a
    /// checkpoint with checkpointing off and none running, triggers one first (the
    /// message says so).
    pub fn step(&mut self, kind: StepKind) -> Option<String> {
        let mut note = None;
        if kind == StepKind::Checkpoint
            && self.sim.counts().in_progress == 0
            && self.sim.next_trigger_at_us().is_none()
            && self.sim.status() == &JobStatus::Running
            && self.trigger_checkpoint().is_ok()
        {
            note = Some(
                "no checkpoint is scheduled (checkpointing off), so this step triggered one by hand"
                    .to_string(),
            );
        }
        // A hand trigger logs its own trigger event: the step looks past it.
        self.goal = Some(Goal {
            kind,
            from_seq: self.sim.log().next_seq(),
            deadline_us: self.sim.now_us().saturating_add(kind.limit_us()),
        });
        note
    }

    pub fn clear_goal(&mut self) {
        self.goal = None;
    }

    /// The next slice of virtual time: what should cost about `SLICE_TARGET_MS` (less near
    /// the end of the budget), growing at most twofold from the last one, and ending at
    /// the next checkpoint trigger, after which copy-on-write makes records expensive.
    fn next_slice(&self, budget: &Budget, until_us: u64) -> u64 {
        let now = self.sim.now_us();
        let target_ms = (budget.left_ms() * 0.5).clamp(0.25, SLICE_TARGET_MS);
        let by_cost = if self.cost_ms_per_us > 0.0 {
            (target_ms / self.cost_ms_per_us) as u64
        } else {
            SLICE_US
        };
        let mut slice = by_cost
            .min(self.slice_us.saturating_mul(2))
            .clamp(MIN_SLICE_US, SLICE_US);
        if let Some(trigger) = self.sim.next_trigger_at_us().filter(|t| *t > now) {
            slice = slice.min(trigger - now);
        }
        if self.in_snapshot_window() {
            slice = slice.min(SNAPSHOT_SLICE_US);
        }
        // A recorded action is replayed exactly at its moment.
        if let Some(at) = self.travel.next_action_at().filter(|t| *t > now) {
            slice = slice.min(at - now);
        }
        slice.min(until_us.saturating_sub(now)).max(1)
    }

    /// Whether a running checkpoint's barriers are still on their way to some subtask, or
    /// reached the last one moments ago. Right after its barrier a subtask's next writes
    /// copy the key groups its snapshot still holds (copy-on-write), which costs far more
    /// than the records themselves; small slices spread that over frames.
    fn in_snapshot_window(&self) -> bool {
        let now = self.sim.now_us();
        self.sim
            .history()
            .iter()
            .rev()
            .take_while(|h| h.status == CheckpointStatus::InProgress)
            .any(|h| {
                let mut last = h.trigger_time_us;
                for st in &h.subtasks {
                    match st.start_delay_us {
                        None => return true,
                        Some(d) => last = last.max(h.trigger_time_us + d),
                    }
                }
                now < last + SNAPSHOT_WINDOW_US
            })
    }

    /// Runs `f` (one engine call covering `slice_us`) and learns what it cost.
    fn timed(&mut self, budget: &Budget, slice_us: u64, f: impl FnOnce(&mut Simulation)) {
        let log_len = self.sim.log().len();
        let t0 = (budget.clock)();
        f(&mut self.sim);
        self.travel.moved(&mut self.sim);
        let cost = ((budget.clock)() - t0).max(0.0) / slice_us.max(1) as f64;
        self.cost_ms_per_us = if cost > self.cost_ms_per_us {
            cost
        } else {
            0.8 * self.cost_ms_per_us + 0.2 * cost
        };
        // Something happened (a trigger, a completion, a failure): what follows may cost
        // differently, so start small again.
        self.slice_us = if self.sim.log().len() != log_len {
            MIN_SLICE_US
        } else {
            slice_us
        };
    }

    /// Works towards the goal in slices until it is reached or the frame budget is spent.
    /// Returns `Some(message)` when the goal ended with something to say.
    pub fn work_on_goal(&mut self, budget: &Budget) -> (Progress, Option<String>) {
        loop {
            let Some(goal) = self.goal.clone() else {
                return (Progress::Done, None);
            };
            let found = self
                .sim
                .log()
                .since_seq(goal.from_seq)
                .iter()
                .any(|e| goal.kind.stops_at(&e.event));
            if found {
                self.goal = None;
                return (Progress::Done, None);
            }
            if self.sim.now_us() >= goal.deadline_us {
                self.goal = None;
                return (Progress::Done, Some(goal.kind.nothing_found()));
            }
            if budget.left_ms() <= 0.0 {
                return (Progress::OutOfBudget, None);
            }
            // Whole ticks only: `step_until` stops at the boundary where the event
            // happened, so however the frames' budgets cut the slices, a step lands on
            // the same virtual time.
            let tick = self.sim.config().tick_us.max(1);
            let ticks = (self.next_slice(budget, u64::MAX) / tick).max(1);
            let mut slice = (ticks * tick).min(goal.deadline_us - self.sim.now_us());
            if let Some(at) = self.travel.next_action_at() {
                slice = slice.min(at.saturating_sub(self.sim.now_us()).max(1));
            }
            let kind = goal.kind;
            self.timed(budget, slice, |sim| {
                sim.step_until(slice, |e| kind.stops_at(e));
            });
        }
    }

    /// Advances towards virtual time `target_us` in slices, until it is reached or the
    /// frame budget is spent. With `stop`, each slice ends exactly where an event it
    /// matches happened, and the advance stops there ([`Progress::Stopped`]).
    pub fn advance_towards(
        &mut self,
        target_us: u64,
        budget: &Budget,
        stop: Option<fn(&Event) -> bool>,
    ) -> Progress {
        while self.sim.now_us() < target_us {
            if budget.left_ms() <= 0.0 {
                return Progress::OutOfBudget;
            }
            let slice = self.next_slice(budget, target_us);
            let mut stopped = false;
            match stop {
                Some(stop) => self.timed(budget, slice, |sim| {
                    stopped = sim.step_until(slice, stop);
                }),
                None => {
                    let next = self.sim.now_us() + slice;
                    self.timed(budget, slice, |sim| sim.advance_to(next));
                }
            }
            if stopped {
                return Progress::Stopped;
            }
        }
        Progress::Done
    }
}

/// How a refusal ends: nothing was touched.
const KEPT: &str = "nothing changed, the current run continues";

/// Refuses a configuration whose run would need more memory than a browser tab can give
/// (see `BROWSER_LIMIT_BYTES` for the margin), naming the estimate and what to change. A
/// wasm tab that runs out of memory dies with a trap; saying so before the run is the
/// only way to say it well.
fn fits(config: &Config, trace: Option<&Trace>) -> Result<(), String> {
    match memory::estimate(config, trace).refusal(config, trace, BROWSER_LIMIT_BYTES) {
        Some(why) => Err(why),
        None => Ok(()),
    }
}

fn rescale_message(from: u32, to: u32, latest: Option<(u64, u64)>) -> String {
    match latest {
        Some((id, offset)) => format!(
            "parallelism {from} → {to}: the job restarts from checkpoint {id} (source offset \
             {offset}); whole key groups move to their new subtasks"
        ),
        None => format!(
            "parallelism {from} → {to}: no completed checkpoint yet, so the job restarts from \
             empty state at offset 0"
        ),
    }
}

/// "job.parallelism and checkpointing.codec", shortened past four names.
fn describe_settings(names: &[String]) -> String {
    let shown: Vec<String> = names.iter().take(4).map(|n| format!("`{n}`")).collect();
    let mut text = match shown.len() {
        0 => "the settings".to_string(),
        1 => shown[0].clone(),
        n => format!("{} and {}", shown[..n - 1].join(", "), shown[n - 1]),
    };
    if names.len() > 4 {
        text.push_str(&format!(" (and {} more)", names.len() - 4));
    }
    text
}

#[cfg(test)]
mod tests;

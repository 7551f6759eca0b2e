//! Time travel: a run's timeline that can be scrubbed to any past moment, stepped back,
//! and forked into branches that are compared with the run they came from.
//!
//! A run is a function of its config, its seed and the moments actions happen at (the
//! engine guarantees it, however advances are cut), so the timeline keeps only:
//! - **keyframes**: clones of the simulation at spaced moments (clones are cheap: state is
//!   shared copy-on-write, stored chunks are shared);
//! - **the actions** a person took (crash, trigger, fault, settings…), with their moments.
//!
//! Any moment is then reached exactly by cloning the nearest keyframe at or before it and
//! running forward, replaying the actions on the way. Keyframes are thinned (every other
//! one dropped, the spacing doubled) to stay within a memory budget.
//!
//! A **branch** starts at a moment of another branch with one change (an action) and keeps
//! its own keyframes and actions; the first branch starts at time 0.

use crate::engine::config::Config;
use crate::engine::faults::{Fault, FaultError};
use crate::engine::sim::Simulation;
use crate::engine::transfer::store::ChunkId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Something a person did to a run, replayable at its moment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    TriggerCheckpoint,
    CrashJob,
    CrashSubtask {
        subtask: u32,
    },
    Rescale {
        parallelism: u32,
    },
    Inject {
        fault: Fault,
    },
    CorruptChunk {
        chunk: ChunkId,
        bit: u64,
    },
    LoseChunk {
        chunk: ChunkId,
    },
    /// New settings under the running job (`Simulation::reconfigure`).
    Settings {
        config: Box<Config>,
    },
}

/// Why an action could not be applied (nothing changed).
#[derive(Clone, Debug, PartialEq)]
pub enum ActionError {
    Fault(FaultError),
    /// The checkpoint could not start (the job is not running or the limit is reached).
    NoCheckpoint,
    Settings(String),
}

impl fmt::Display for ActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionError::Fault(e) => write!(f, "{e}"),
            ActionError::NoCheckpoint => write!(
                f,
                "no checkpoint started: the job is not running or max-concurrent-checkpoints is reached"
            ),
            ActionError::Settings(e) => write!(f, "{e}"),
        }
    }
}

impl Action {
    /// Applies the action to `sim` now.
    pub fn apply(&self, sim: &mut Simulation) -> Result<(), ActionError> {
        match self {
            Action::TriggerCheckpoint => sim
                .trigger_checkpoint()
                .then_some(())
                .ok_or(ActionError::NoCheckpoint),
            Action::CrashJob => {
                sim.crash_job();
                Ok(())
            }
            Action::CrashSubtask { subtask } => {
                sim.crash_subtask(*subtask).map_err(ActionError::Fault)
            }
            Action::Rescale { parallelism } => {
                sim.rescale(*parallelism).map_err(ActionError::Fault)
            }
            Action::Inject { fault } => sim.inject(fault).map_err(ActionError::Fault),
            Action::CorruptChunk { chunk, bit } => {
                sim.corrupt_chunk(*chunk, *bit).map_err(ActionError::Fault)
            }
            Action::LoseChunk { chunk } => sim.lose_chunk(*chunk).map_err(ActionError::Fault),
            Action::Settings { config } => sim
                .reconfigure((**config).clone())
                .map(|_| ())
                .map_err(|e| ActionError::Settings(e.to_string())),
        }
    }
}

/// Where a branch came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Origin {
    pub parent: usize,
    pub at_us: u64,
}

#[derive(Clone, Debug)]
struct Branch {
    name: String,
    origin: Option<Origin>,
    /// The simulation at the branch's first moment (time 0, or the fork moment with the
    /// change applied).
    start: Simulation,
    /// Applied actions after the start, in time order.
    actions: Vec<(u64, Action)>,
    /// Clones at spaced moments after the start, in time order.
    keyframes: Vec<Simulation>,
    /// How far the branch has been run.
    head_us: u64,
}

/// A branch as the UI lists it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BranchInfo {
    pub index: usize,
    pub name: String,
    pub origin: Option<Origin>,
    pub head_us: u64,
    pub actions: Vec<(u64, Action)>,
    pub keyframes: usize,
}

/// The timeline's memory: a budget and what the keyframes are estimated to hold.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct TimelineMemory {
    pub budget_bytes: u64,
    pub estimated_bytes: u64,
    pub keyframes: usize,
    pub spacing_us: u64,
}

#[derive(Clone, Debug)]
pub struct Timeline {
    branches: Vec<Branch>,
    budget_bytes: u64,
    spacing_us: u64,
}

/// The first keyframe spacing; it doubles whenever the keyframes outgrow the budget.
pub const INITIAL_SPACING_US: u64 = 2_000_000;

impl Timeline {
    /// A timeline for a run that starts as `sim`, keeping keyframes within `budget_bytes`.
    pub fn new(sim: &Simulation, budget_bytes: u64) -> Self {
        let head_us = sim.now_us();
        Self {
            branches: vec![Branch {
                name: "A".into(),
                origin: None,
                start: sim.clone(),
                actions: Vec::new(),
                keyframes: Vec::new(),
                head_us,
            }],
            budget_bytes,
            spacing_us: INITIAL_SPACING_US,
        }
    }

    pub fn branches(&self) -> Vec<BranchInfo> {
        self.branches
            .iter()
            .enumerate()
            .map(|(index, b)| BranchInfo {
                index,
                name: b.name.clone(),
                origin: b.origin.clone(),
                head_us: b.head_us,
                actions: b.actions.clone(),
                keyframes: b.keyframes.len(),
            })
            .collect()
    }

    /// What a keyframe is taken to cost: a whole copy of the state and what the run keeps
    /// besides (an upper bound: keyframes share every page that did not change between
    /// them, and every stored chunk).
    fn keyframe_cost(sim: &Simulation) -> u64 {
        let state: u64 = (0..sim.partitioning().max_parallelism())
            .map(|kg| sim.key_group_state(kg).raw_bytes())
            .sum();
        // Channels, history, logs and samples: bounded, about a megabyte at most.
        state + (1 << 20)
    }

    pub fn memory(&self) -> TimelineMemory {
        let keyframes = self.branches.iter().map(|b| b.keyframes.len()).sum();
        TimelineMemory {
            budget_bytes: self.budget_bytes,
            estimated_bytes: self
                .branches
                .iter()
                .flat_map(|b| b.keyframes.iter().chain(std::iter::once(&b.start)))
                .map(Self::keyframe_cost)
                .sum(),
            keyframes,
            spacing_us: self.spacing_us,
        }
    }

    /// The live run of `branch` moved on to `sim`: keep a keyframe when one is due.
    pub fn record(&mut self, branch: usize, sim: &Simulation) {
        let spacing = self.spacing_us;
        let b = &mut self.branches[branch];
        b.head_us = b.head_us.max(sim.now_us());
        let last = b.keyframes.last().map_or(b.start.now_us(), |k| k.now_us());
        if sim.now_us() >= last + spacing {
            b.keyframes.push(sim.clone());
            self.thin();
        }
    }

    /// Keeps the keyframes within the budget: while over it, every other keyframe goes
    /// (oldest kept) and the spacing doubles.
    fn thin(&mut self) {
        while self.memory().estimated_bytes > self.budget_bytes
            && self.branches.iter().any(|b| b.keyframes.len() > 1)
        {
            for b in &mut self.branches {
                let mut i = 0;
                b.keyframes.retain(|_| {
                    i += 1;
                    i % 2 == 0
                });
            }
            self.spacing_us *= 2;
        }
    }

    /// The live run of `branch` took `action` at its current moment. An action is applied
    /// to the live simulation by the caller; the timeline only remembers it.
    pub fn log_action(&mut self, branch: usize, at_us: u64, action: Action) {
        let b = &mut self.branches[branch];
        // Keyframes from this moment on do not hold the action (one at the same moment was
        // taken before it): the branch's future from here is rewritten.
        b.keyframes.retain(|k| k.now_us() < at_us);
        b.actions.push((at_us, action));
        b.head_us = b.head_us.max(at_us);
    }

    /// The simulation of `branch` exactly as it was at `t_us` (for `t_us` before the
    /// branch's start, its start). Deterministic: the same as having been there.
    pub fn seek(&self, branch: usize, t_us: u64) -> Simulation {
        let b = &self.branches[branch];
        let mut sim = b
            .keyframes
            .iter()
            .rev()
            .find(|k| k.now_us() <= t_us)
            .unwrap_or(&b.start)
            .clone();
        let from = sim.now_us();
        // No keyframe is at or after an action it does not hold (`log_action` drops them),
        // so every action from the keyframe's moment on is still to be replayed.
        for (at, action) in b
            .actions
            .iter()
            .filter(|(at, _)| *at >= from && *at <= t_us)
        {
            sim.advance_to(*at);
            // Actions were accepted when they were taken; a replay applies them the same way.
            let _ = action.apply(&mut sim);
        }
        sim.advance_to(t_us.max(from));
        sim
    }

    /// A new branch from `parent` at `at_us` with `change` applied there. Returns its index,
    /// or the action's error (then nothing is added).
    pub fn fork(
        &mut self,
        parent: usize,
        at_us: u64,
        change: Action,
    ) -> Result<usize, ActionError> {
        let mut start = self.seek(parent, at_us);
        change.apply(&mut start)?;
        let name = branch_name(self.branches.len());
        self.branches.push(Branch {
            name,
            origin: Some(Origin { parent, at_us }),
            head_us: start.now_us(),
            start,
            actions: Vec::new(),
            keyframes: Vec::new(),
        });
        self.thin();
        Ok(self.branches.len() - 1)
    }
}

/// A, B, …, Z, AA, AB, …
fn branch_name(index: usize) -> String {
    let mut n = index;
    let mut name = String::new();
    loop {
        name.insert(0, (b'A' + (n % 26) as u8) as char);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branches_are_named_like_spreadsheet_columns() {
        assert_eq!(branch_name(0), "A");
        assert_eq!(branch_name(25), "Z");
        assert_eq!(branch_name(26), "AA");
        assert_eq!(branch_name(27), "AB");
    }
}

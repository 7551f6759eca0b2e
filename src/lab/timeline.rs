//! Time travel: a run's timeline that can be scrubbed to any past moment, stepped back,
//! and forked into branches that are compared with the run they came from.
//!
//! A run is a function of its config, its seed and the moments actions happen at (the
//! engine guarantees it, however advances are cut), so the timeline keeps only:
//! - **keyframes**: clones of the simulation at spaced moments (clones are cheap: state is
//!   shared copy-on-write, stored chunks are shared), each knowing how many of its
//!   branch's actions it already holds;
//! - **the actions** a person took (crash, trigger, fault, settings…), with their moments;
//! - **markers**: the moments worth pointing at (checkpoints triggered, completed and
//!   failed, crashes, restores, rescales, faults, settings), read from the event log as
//!   the run first passes them.
//!
//! Any moment is then reached exactly by cloning the nearest keyframe at or before it and
//! running forward, replaying the actions on the way ([`run_with`]). Keyframes are thinned
//! (every other one dropped, the spacing doubled) to stay within a memory budget.
//!
//! A **branch** starts as an exact copy of another branch at a past moment (a *fork*);
//! whatever is done next is its own. Before its fork moment a branch is its parent: the
//! parent's actions up to that moment, then its own. Actions are only ever added at a
//! branch's head (the furthest moment it was run to): an action at a past moment starts a
//! new branch instead (the driver decides), so a branch's past never changes.
//!
//! A "moment" is a virtual time, and the simulation at a moment has every action at or
//! before it applied: that is what [`Timeline::seek`] returns, and what stepping lands on.

use std::collections::VecDeque;
use std::fmt;

use crate::engine::config::Config;
use crate::engine::faults::{Fault, FaultError};
use crate::engine::report::events::{Event, LogEntry};
use crate::engine::report::stats::FailureCause;
use crate::engine::sim::{Reconfigured, Simulation};
use crate::engine::transfer::store::ChunkId;
use serde::{Deserialize, Serialize};

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
    /// New settings under the running job (`Simulation::reconfigure`), live or a rescale;
    /// settings that need a new run are not an action.
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
    /// These settings cannot change under a running job: they need a new run.
    NeedsNewRun(Vec<&'static str>),
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
            ActionError::NeedsNewRun(fields) => write!(
                f,
                "{} cannot change under a running job (a new run is needed)",
                fields.join(", ")
            ),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::TriggerCheckpoint => f.write_str("trigger a checkpoint"),
            Action::CrashJob => f.write_str("crash the job"),
            Action::CrashSubtask { subtask } => write!(f, "crash subtask {subtask}"),
            Action::Rescale { parallelism } => write!(f, "rescale to parallelism {parallelism}"),
            Action::Inject { fault } => write!(f, "{}", fault.describe()),
            Action::CorruptChunk { chunk, .. } => write!(f, "corrupt chunk {chunk}"),
            Action::LoseChunk { chunk } => write!(f, "lose chunk {chunk}"),
            Action::Settings { .. } => f.write_str("change the settings"),
        }
    }
}

impl Action {
    /// Applies the action to `sim` now. On an error nothing changed, except for settings
    /// the engine refuses halfway (a rescale it refuses after taking the new settings):
    /// callers that must not be half-applied apply it to a clone.
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
            Action::Settings { config } => match sim.reconfigure((**config).clone()) {
                Ok(Reconfigured::NeedsNewRun(fields)) => Err(ActionError::NeedsNewRun(fields)),
                Ok(_) => Ok(()),
                Err(e) => Err(ActionError::Settings(e.to_string())),
            },
        }
    }

    /// Whether the action crashes or restarts the job (stepping goals end there).
    pub fn restarts_job(&self) -> bool {
        match self {
            Action::CrashJob | Action::CrashSubtask { .. } | Action::Rescale { .. } => true,
            Action::Inject { fault } => matches!(
                fault,
                Fault::CrashJob | Fault::CrashSubtask { .. } | Fault::Rescale { .. }
            ),
            _ => false,
        }
    }
}

/// Runs `sim` forward to `to_us`, applying the `pending` actions (in time order, all after
/// `sim`'s moment) as their moments come. With `stop`, it stops instead right where an
/// event it matches is logged (the engine's `step_until`, or an action), and returns true. Actions due
/// at the moment it ends are applied, so the result is the simulation *at* that moment.
/// Replayed actions were accepted when they were first taken and apply the same way.
pub fn run_with(
    sim: &mut Simulation,
    pending: &mut VecDeque<(u64, Action)>,
    to_us: u64,
    stop: Option<&dyn Fn(&Event) -> bool>,
) -> bool {
    loop {
        let end = pending.front().map_or(to_us, |(at, _)| (*at).min(to_us));
        if sim.now_us() < end {
            match stop {
                Some(stop) => {
                    if sim.step_until(end - sim.now_us(), stop) {
                        apply_due(sim, pending);
                        return true;
                    }
                }
                None => sim.advance_to(end),
            }
        }
        // An action replayed here may log what `stop` watches for (a crash): stop there.
        let before = sim.log().next_seq();
        apply_due(sim, pending);
        if let Some(stop) = stop {
            if sim.log().since_seq(before).iter().any(|e| stop(&e.event)) {
                return true;
            }
        }
        if sim.now_us() >= to_us {
            return false;
        }
    }
}

fn apply_due(sim: &mut Simulation, pending: &mut VecDeque<(u64, Action)>) {
    while pending.front().is_some_and(|(at, _)| *at <= sim.now_us()) {
        if let Some((_, action)) = pending.pop_front() {
            let _ = action.apply(sim);
        }
    }
}

/// Where a branch came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Origin {
    pub parent: usize,
    pub at_us: u64,
    /// How many of the parent's actions (its own and those it inherited) the branch
    /// starts with: those at or before the fork moment.
    pub inherited: usize,
}

/// What a marker on the timeline stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkerKind {
    CheckpointTriggered,
    CheckpointCompleted,
    CheckpointFailed,
    Crash,
    Restore,
    Rescale,
    Fault,
    Settings,
}

impl MarkerKind {
    pub const ALL: [MarkerKind; 8] = [
        MarkerKind::CheckpointTriggered,
        MarkerKind::CheckpointCompleted,
        MarkerKind::CheckpointFailed,
        MarkerKind::Crash,
        MarkerKind::Restore,
        MarkerKind::Rescale,
        MarkerKind::Fault,
        MarkerKind::Settings,
    ];

    /// The kind of marker an event makes, if any.
    pub fn of(event: &Event) -> Option<MarkerKind> {
        Some(match event {
            Event::CheckpointTriggered { .. } => MarkerKind::CheckpointTriggered,
            Event::CheckpointCompleted { .. } => MarkerKind::CheckpointCompleted,
            Event::CheckpointFailed { .. } => MarkerKind::CheckpointFailed,
            Event::JobFailed {
                cause: FailureCause::Rescale { .. },
                ..
            } => MarkerKind::Rescale,
            Event::JobFailed { .. } => MarkerKind::Crash,
            Event::RestoreStarted { .. } => MarkerKind::Restore,
            // A crash or a rescale injected as a fault shows as the job failing.
            Event::FaultInjected { fault } => match fault {
                Fault::CrashJob | Fault::CrashSubtask { .. } | Fault::Rescale { .. } => {
                    return None
                }
                _ => MarkerKind::Fault,
            },
            Event::ChunkCorrupted { .. } | Event::ChunkLost { .. } => MarkerKind::Fault,
            Event::SettingsChanged { .. } => MarkerKind::Settings,
            _ => return None,
        })
    }

    /// Its name in the shell's attributes and styles.
    pub fn id(self) -> &'static str {
        match self {
            MarkerKind::CheckpointTriggered => "triggered",
            MarkerKind::CheckpointCompleted => "completed",
            MarkerKind::CheckpointFailed => "failed",
            MarkerKind::Crash => "crash",
            MarkerKind::Restore => "restore",
            MarkerKind::Rescale => "rescale",
            MarkerKind::Fault => "fault",
            MarkerKind::Settings => "settings",
        }
    }

    /// What the legend calls it.
    pub fn label(self) -> &'static str {
        match self {
            MarkerKind::CheckpointTriggered => "checkpoint triggered",
            MarkerKind::CheckpointCompleted => "checkpoint completed",
            MarkerKind::CheckpointFailed => "checkpoint failed",
            MarkerKind::Crash => "crash",
            MarkerKind::Restore => "restore",
            MarkerKind::Rescale => "rescale",
            MarkerKind::Fault => "injected fault",
            MarkerKind::Settings => "settings changed",
        }
    }

    /// Whether it is rare enough to be listed by name (checkpoints come every interval).
    pub fn notable(self) -> bool {
        !matches!(
            self,
            MarkerKind::CheckpointTriggered | MarkerKind::CheckpointCompleted
        )
    }
}

/// A moment on the timeline worth pointing at: an event, where it was logged.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Marker {
    pub at_us: u64,
    /// The event's sequence number, so a jump lands exactly where it was logged.
    pub seq: u64,
    pub kind: MarkerKind,
    pub event: Event,
}

/// A clone of a branch's simulation, with how many of the branch's own actions it holds.
#[derive(Clone, Debug)]
struct Keyframe {
    sim: Simulation,
    applied: usize,
    cost: u64,
}

#[derive(Clone, Debug)]
struct Branch {
    name: String,
    origin: Option<Origin>,
    /// The simulation at the branch's first moment (time 0, or the fork moment, before
    /// anything the branch did there).
    start: Simulation,
    start_cost: u64,
    /// The branch's own actions, in time order, none before its start.
    actions: Vec<(u64, Action)>,
    /// Clones at spaced moments after the start, in time order.
    keyframes: Vec<Keyframe>,
    /// How far the branch has been run.
    head_us: u64,
    /// Markers in time order, the inherited ones (before the fork) included.
    markers: Vec<Marker>,
    /// The log sequence number up to which markers were read.
    marker_seq: u64,
}

/// A branch as the UI lists it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BranchInfo {
    pub index: usize,
    pub name: String,
    pub origin: Option<Origin>,
    pub head_us: u64,
    /// What the branch did at its fork moment, if anything (what makes it different).
    pub change: Option<Change>,
    pub actions: usize,
    pub keyframes: usize,
}

/// What a branch changed at its fork moment, for its label.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Change {
    /// Settings, as the `(dotted path, value)` pairs that differ from the parent's.
    Settings(Vec<(String, String)>),
    Action(Action),
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Settings(pairs) if pairs.is_empty() => f.write_str("the same settings"),
            Change::Settings(pairs) => {
                let shown: Vec<String> = pairs
                    .iter()
                    .take(3)
                    .map(|(k, v)| format!("{k} = {v}"))
                    .collect();
                f.write_str(&shown.join(", "))?;
                if pairs.len() > 3 {
                    write!(f, " (and {} more)", pairs.len() - 3)?;
                }
                Ok(())
            }
            Change::Action(a) => write!(f, "{a}"),
        }
    }
}

/// The timeline's memory: a budget and what the keyframes are estimated to hold.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct TimelineMemory {
    pub budget_bytes: u64,
    /// An upper bound: every keyframe counted as a whole copy of the state.
    pub estimated_bytes: u64,
    pub keyframes: usize,
    pub spacing_us: u64,
}

/// Why the timeline refused to record an action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimelineError {
    /// Actions are only added at a branch's head; at a past moment, fork first.
    BeforeHead { at_us: u64, head_us: u64 },
}

impl fmt::Display for TimelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimelineError::BeforeHead { at_us, head_us } => write!(
                f,
                "an action at {at_us} µs is before the branch's head ({head_us} µs): fork first"
            ),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Timeline {
    branches: Vec<Branch>,
    budget_bytes: u64,
    spacing_us: u64,
}

/// The first keyframe spacing; it doubles whenever the keyframes outgrow the budget.
pub const INITIAL_SPACING_US: u64 = 2_000_000;
/// The keyframe budget in the browser.
pub const BROWSER_BUDGET_BYTES: u64 = 256 << 20;
/// At most this many branches (A … Z).
pub const MAX_BRANCHES: usize = 26;

impl Timeline {
    /// A timeline for a run that starts as `sim`, keeping keyframes within `budget_bytes`.
    pub fn new(sim: &Simulation, budget_bytes: u64) -> Self {
        Self {
            branches: vec![Branch {
                name: branch_name(0),
                origin: None,
                start: sim.clone(),
                start_cost: keyframe_cost(sim),
                actions: Vec::new(),
                keyframes: Vec::new(),
                head_us: sim.now_us(),
                markers: Vec::new(),
                marker_seq: sim.log().next_seq(),
            }],
            budget_bytes,
            spacing_us: INITIAL_SPACING_US,
        }
    }

    /// The configuration the first branch started with.
    pub fn base_config(&self) -> &Config {
        self.branches[0].start.config()
    }

    pub fn len(&self) -> usize {
        self.branches.len()
    }

    pub fn is_empty(&self) -> bool {
        self.branches.is_empty()
    }

    pub fn name(&self, branch: usize) -> &str {
        &self.branches[branch].name
    }

    pub fn head(&self, branch: usize) -> u64 {
        self.branches[branch].head_us
    }

    pub fn origin(&self, branch: usize) -> Option<&Origin> {
        self.branches[branch].origin.as_ref()
    }

    /// When the branch's own stretch begins (0 for the first).
    pub fn start_us(&self, branch: usize) -> u64 {
        self.branches[branch].start.now_us()
    }

    /// The branch's own actions, in time order.
    pub fn own_actions(&self, branch: usize) -> &[(u64, Action)] {
        &self.branches[branch].actions
    }

    /// The markers of `branch` up to its head, its parent's before the fork included.
    pub fn markers(&self, branch: usize) -> &[Marker] {
        &self.branches[branch].markers
    }

    pub fn branches(&self) -> Vec<BranchInfo> {
        (0..self.branches.len())
            .map(|index| {
                let b = &self.branches[index];
                BranchInfo {
                    index,
                    name: b.name.clone(),
                    origin: b.origin.clone(),
                    head_us: b.head_us,
                    change: self.change(index),
                    actions: b.actions.len(),
                    keyframes: b.keyframes.len(),
                }
            })
            .collect()
    }

    /// What a forked branch did at its fork moment (its first action there).
    fn change(&self, branch: usize) -> Option<Change> {
        let b = &self.branches[branch];
        let origin = b.origin.as_ref()?;
        let (at, action) = b.actions.first()?;
        if *at != origin.at_us {
            return None;
        }
        Some(match action {
            Action::Settings { config } => {
                Change::Settings(super::url::settings_diff(b.start.config(), config))
            }
            other => Change::Action(other.clone()),
        })
    }

    /// Every action on the branch's path from time 0: the inherited ones, then its own.
    pub fn effective_actions(&self, branch: usize) -> Vec<(u64, Action)> {
        let b = &self.branches[branch];
        let mut actions = match &b.origin {
            Some(o) => {
                let mut inherited = self.effective_actions(o.parent);
                inherited.truncate(o.inherited);
                inherited
            }
            None => Vec::new(),
        };
        actions.extend(b.actions.iter().cloned());
        actions
    }

    /// The actions still ahead of a simulation of `branch` at `t_us`, in time order.
    pub fn pending_after(&self, branch: usize, t_us: u64) -> VecDeque<(u64, Action)> {
        self.effective_actions(branch)
            .into_iter()
            .filter(|(at, _)| *at > t_us)
            .collect()
    }

    pub fn memory(&self) -> TimelineMemory {
        TimelineMemory {
            budget_bytes: self.budget_bytes,
            estimated_bytes: self
                .branches
                .iter()
                .map(|b| b.start_cost + b.keyframes.iter().map(|k| k.cost).sum::<u64>())
                .sum(),
            keyframes: self.branches.iter().map(|b| b.keyframes.len()).sum(),
            spacing_us: self.spacing_us,
        }
    }

    /// `sim`, a simulation of `branch`, moved on: read the markers it logged for the first
    /// time, move the head, and keep a keyframe when one is due at the head.
    pub fn record(&mut self, branch: usize, sim: &Simulation) {
        let spacing = self.spacing_us;
        let b = &mut self.branches[branch];
        let next_seq = sim.log().next_seq();
        if next_seq > b.marker_seq {
            let mut fresh: Vec<&LogEntry> = sim.log().since_seq(b.marker_seq);
            fresh.retain(|e| !e.event.is_detail());
            for e in fresh {
                if let Some(kind) = MarkerKind::of(&e.event) {
                    b.markers.push(Marker {
                        at_us: e.at_us,
                        seq: e.seq,
                        kind,
                        event: e.event.clone(),
                    });
                }
            }
            b.marker_seq = next_seq;
        }
        let now = sim.now_us();
        if now < b.head_us {
            // Replaying the past: its keyframes are kept already (or were thinned out).
            return;
        }
        b.head_us = now;
        let last = b
            .keyframes
            .last()
            .map_or(b.start.now_us(), |k| k.sim.now_us());
        if now >= last + spacing {
            let applied = b.actions.len();
            b.keyframes.push(Keyframe {
                sim: sim.clone(),
                applied,
                cost: keyframe_cost(sim),
            });
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

    /// `branch` took `action` at `at_us`, its head (the caller applied it to the live
    /// simulation). An action at a past moment is refused: fork there first.
    pub fn log_action(
        &mut self,
        branch: usize,
        at_us: u64,
        action: Action,
    ) -> Result<(), TimelineError> {
        let b = &mut self.branches[branch];
        if at_us < b.head_us {
            return Err(TimelineError::BeforeHead {
                at_us,
                head_us: b.head_us,
            });
        }
        // Keyframes at this very moment were taken before the action and say so (their
        // `applied` count), so they stay valid.
        b.actions.push((at_us, action));
        b.head_us = at_us;
        Ok(())
    }

    /// The simulation of `branch` exactly as it was at `t_us`, every action at or before
    /// it applied. Deterministic: the same as having been there.
    pub fn seek(&self, branch: usize, t_us: u64) -> Simulation {
        let b = &self.branches[branch];
        if let Some(origin) = &b.origin {
            if t_us < b.start.now_us() {
                // Before the fork the branch is its parent.
                return self.seek(origin.parent, t_us);
            }
        }
        let (base, applied) = b
            .keyframes
            .iter()
            .rev()
            .find(|k| k.sim.now_us() <= t_us)
            .map_or((&b.start, 0), |k| (&k.sim, k.applied));
        let mut sim = base.clone();
        let mut pending: VecDeque<(u64, Action)> = b.actions[applied..]
            .iter()
            .filter(|(at, _)| *at <= t_us)
            .cloned()
            .collect();
        let to = t_us.max(sim.now_us());
        run_with(&mut sim, &mut pending, to, None);
        sim
    }

    /// The simulation of `branch` right where the event numbered `seq` (logged at
    /// `at_us`) was logged: where stepping forward to it stops, and what its marker jumps
    /// to. The actions due at that moment are applied, as at any moment.
    pub fn seek_event(&self, branch: usize, at_us: u64, seq: u64) -> Simulation {
        let mut sim = self.seek(branch, at_us.saturating_sub(1));
        let mut pending = self.pending_after(branch, sim.now_us());
        // The event is logged at the first boundary at or after its time; the guard only
        // stops a search for an event this branch never logs.
        let guard = at_us.saturating_add(60_000_000);
        while sim.log().next_seq() <= seq && sim.now_us() < guard {
            let to = sim.now_us().saturating_add(1_000_000).min(guard);
            run_with(&mut sim, &mut pending, to, Some(&|_: &Event| true));
        }
        sim
    }

    /// The moment one step of the kind `stops_at` back from `now_us` on `branch`: where
    /// stepping forward would have stopped last before `now_us`. `None` when the log holds
    /// no such moment.
    pub fn step_back(
        &self,
        branch: usize,
        now_us: u64,
        stops_at: impl Fn(&Event) -> bool,
    ) -> Option<Simulation> {
        // The events logged before this moment are those a simulation one microsecond
        // earlier holds (an event may be stamped a little before the boundary that logs
        // it, so its time alone does not say).
        let before = self.seek(branch, now_us.checked_sub(1)?);
        let log = before.log();
        let main = log.iter().rev().find(|e| stops_at(&e.event));
        let detail = log.detail().rev().find(|e| stops_at(&e.event));
        let latest = match (main, detail) {
            (Some(m), Some(d)) => {
                if m.seq > d.seq {
                    m
                } else {
                    d
                }
            }
            (m, d) => m.or(d)?,
        };
        Some(self.seek_event(branch, latest.at_us, latest.seq))
    }

    /// A new branch that starts as an exact copy of `sim`, a simulation of `parent` at its
    /// moment (as [`Timeline::seek`] gives it). Before its start a branch follows its
    /// parent, so a fork before the parent's own start forks from the ancestor whose
    /// stretch holds the moment. Returns its index.
    pub fn fork_from(&mut self, parent: usize, sim: &Simulation) -> usize {
        let at_us = sim.now_us();
        let parent = self.holder(parent, at_us);
        let inherited = self
            .effective_actions(parent)
            .iter()
            .filter(|(at, _)| *at <= at_us)
            .count();
        self.push_fork(parent, sim, inherited)
    }

    /// The branch whose own stretch holds `at_us` on `branch`'s path: itself, or the
    /// ancestor it follows before its start.
    fn holder(&self, mut branch: usize, at_us: u64) -> usize {
        while let Some(o) = &self.branches[branch].origin {
            if at_us >= self.branches[branch].start.now_us() {
                break;
            }
            branch = o.parent;
        }
        branch
    }

    /// A new branch from `parent` at `at_us` that starts with the first `keep` of the
    /// parent's actions (inherited ones included): all of those at or before the moment
    /// (`None`), or fewer when the parent acted at that very moment after the branch was
    /// made. This is how a link rebuilds a fork exactly (`lab::branch_link`). Refused,
    /// with nothing changed, when `keep` is not between the parent's actions before the
    /// moment and those at or before it.
    pub fn fork_keeping(
        &mut self,
        parent: usize,
        at_us: u64,
        keep: Option<usize>,
    ) -> Result<usize, String> {
        let parent = self.holder(parent, at_us);
        let actions = self.effective_actions(parent);
        let before = actions.iter().filter(|(at, _)| *at < at_us).count();
        let upto = actions.iter().filter(|(at, _)| *at <= at_us).count();
        let keep = keep.unwrap_or(upto);
        if keep < before || keep > upto {
            return Err(format!(
                "keeps {keep} of {}'s actions, but {before} come before the fork and {upto}                  at or before it",
                self.branches[parent].name
            ));
        }
        let sim = if keep == upto {
            self.seek(parent, at_us)
        } else {
            // Just before the moment, then to it with only the kept actions applied.
            let (mut sim, applied) = match at_us.checked_sub(1) {
                Some(t) => (self.seek(parent, t), before),
                None => (self.branches[0].start.clone(), 0),
            };
            let mut pending: VecDeque<(u64, Action)> =
                actions[applied..keep].iter().cloned().collect();
            run_with(&mut sim, &mut pending, at_us, None);
            sim
        };
        Ok(self.push_fork(parent, &sim, keep))
    }

    /// Forgets the branches from `len` on (a link's branch that could not be rebuilt).
    pub fn truncate(&mut self, len: usize) {
        self.branches.truncate(len.max(1));
    }

    fn push_fork(&mut self, parent: usize, sim: &Simulation, inherited: usize) -> usize {
        let at_us = sim.now_us();
        let next_seq = sim.log().next_seq();
        let markers = self.branches[parent]
            .markers
            .iter()
            .filter(|m| m.seq < next_seq)
            .cloned()
            .collect();
        self.branches.push(Branch {
            name: branch_name(self.branches.len()),
            origin: Some(Origin {
                parent,
                at_us,
                inherited,
            }),
            start: sim.clone(),
            start_cost: keyframe_cost(sim),
            actions: Vec::new(),
            keyframes: Vec::new(),
            head_us: at_us,
            markers,
            marker_seq: next_seq,
        });
        self.thin();
        self.branches.len() - 1
    }

    /// A new branch from `parent` at `at_us` (see [`Timeline::fork_from`]).
    pub fn fork(&mut self, parent: usize, at_us: u64) -> usize {
        let sim = self.seek(parent, at_us);
        self.fork_from(parent, &sim)
    }

    /// The moment from which two branches' histories may differ: the earliest fork that
    /// separates them. `None` for a branch and itself.
    pub fn divergence(&self, a: usize, b: usize) -> Option<u64> {
        if a == b {
            return None;
        }
        let chain = |mut x: usize| {
            let mut c = vec![x];
            while let Some(o) = &self.branches[x].origin {
                x = o.parent;
                c.push(x);
            }
            c
        };
        let (ca, cb) = (chain(a), chain(b));
        let common = *ca.iter().find(|x| cb.contains(x))?;
        // Where `x`'s path leaves `common`: the fork moment of the branch just below it.
        let leaves = |c: &[usize]| {
            let below = c.iter().position(|x| *x == common)?.checked_sub(1)?;
            self.branches[c[below]].origin.as_ref().map(|o| o.at_us)
        };
        [leaves(&ca), leaves(&cb)].into_iter().flatten().min()
    }
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

/// A, B, …, Z, AA, AB, …
pub fn branch_name(index: usize) -> String {
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

/// The index a branch name stands for (`"A"` → 0), if it is one.
pub fn branch_index(name: &str) -> Option<usize> {
    if name.is_empty() || name.len() > 3 || !name.bytes().all(|c| c.is_ascii_uppercase()) {
        return None;
    }
    let mut n = 0usize;
    for c in name.bytes() {
        n = n * 26 + usize::from(c - b'A') + 1;
    }
    Some(n - 1)
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
        for i in [0, 1, 25, 26, 27, 700] {
            assert_eq!(branch_index(&branch_name(i)), Some(i));
        }
        assert_eq!(branch_index(""), None);
        assert_eq!(branch_index("a"), None);
        assert_eq!(branch_index("A1"), None);
    }

    #[test]
    fn events_make_markers_of_their_kind() {
        use crate::engine::report::stats::FailureCause;
        let crash = Event::JobFailed {
            cause: FailureCause::CrashInjected,
            restart_delay_ms: 500,
        };
        assert_eq!(MarkerKind::of(&crash), Some(MarkerKind::Crash));
        let rescale = Event::JobFailed {
            cause: FailureCause::Rescale { from: 4, to: 6 },
            restart_delay_ms: 500,
        };
        assert_eq!(MarkerKind::of(&rescale), Some(MarkerKind::Rescale));
        assert_eq!(
            MarkerKind::of(&Event::FaultInjected {
                fault: Fault::LinkOutage { duration_ms: 10 }
            }),
            Some(MarkerKind::Fault)
        );
        // A crash injected as a fault is marked once, by the job failing.
        assert_eq!(
            MarkerKind::of(&Event::FaultInjected {
                fault: Fault::CrashJob
            }),
            None
        );
        assert_eq!(MarkerKind::of(&Event::LinkRestored), None);
    }
}

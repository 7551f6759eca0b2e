//! The contract between the lab's root component and every other component: what the
//! user can ask for ([`Intent`]) and the read-only picture they draw ([`LabState`]).
//!
//! Components never touch the `Simulation`: they read `LabState` from the Yew context
//! and send `Intent`s through `LabState::dispatch`. The root (`app.rs`) owns the
//! simulation, turns intents into engine calls and publishes a fresh `LabState`.

use std::collections::BTreeSet;
use std::rc::Rc;

use crate::engine::config::Config;
use crate::engine::faults::Fault;
use crate::engine::report::events::LogEntry;
use crate::engine::report::metrics::Sample;
use crate::engine::report::stats::CheckpointStats;
use crate::engine::report::view::{KeyGroupInspection, SimView};
use crate::engine::report::whatif::WhatIfOutcome;
use crate::engine::transfer::store::{CheckpointId, ChunkId};
use yew::Callback;

/// Something a person clicked, typed or pressed.
#[derive(Clone, Debug, PartialEq)]
pub enum Intent {
    TogglePlay,
    Play,
    Pause,
    /// Advance to the next logged event (or a bounded stretch of time).
    StepEvent,
    /// Advance until the next checkpoint completes or fails.
    StepCheckpoint,
    /// Virtual seconds per wall second, on a log scale.
    SetSpeed(f64),
    SpeedUp,
    SpeedDown,
    Reset,
    SetSeed(u64),
    /// A complete, already validated configuration from the panels. The root decides
    /// whether it applies live or needs a restart, and says which.
    ApplyConfig(Box<Config>),
    /// `key,value` CSV text for a trace source.
    LoadTrace(String),
    TriggerCheckpoint,
    CrashJob,
    CrashSubtask(u32),
    Rescale(u32),
    CorruptChunk(ChunkId),
    LoseChunk(ChunkId),
    /// A link or store fault from the Faults panel, injected now: drop transfers, a link
    /// outage, a latency spike, a bandwidth change, the store unavailable.
    InjectFault(Fault),
    Select(Option<Selection>),
    ToggleLargeFont,
    ToggleHelp,
    CopyLink,
    /// Esc: close the help overlay if it is open, otherwise clear the selection.
    Dismiss,
    /// Measure every scheduling policy on forks of the run, `horizon_s` virtual seconds
    /// ahead (spread over frames).
    RunWhatIf {
        horizon_s: u32,
    },
    CancelWhatIf,
}

/// What the inspector shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    Subtask(u32),
    KeyGroup(u32),
    Chunk(ChunkId),
    Checkpoint(CheckpointId),
}

/// Everything components draw, published by the root after each engine step.
#[derive(Clone)]
pub struct LabState {
    pub config: Rc<Config>,
    pub view: Rc<SimView>,
    pub history: Rc<Vec<CheckpointStats>>,
    /// The most recent log entries, oldest first.
    pub events: Rc<Vec<LogEntry>>,
    pub samples: Rc<Vec<Sample>>,
    pub selection: Option<Selection>,
    /// Filled when `selection` is a key group.
    pub inspection: Option<Rc<KeyGroupInspection>>,
    pub playing: bool,
    /// Virtual seconds per wall second.
    pub speed: f64,
    pub large_font: bool,
    pub help_open: bool,
    /// A message for the person (URL values replaced, a config change that restarts the
    /// job, a trace refused …); `None` when there is nothing to say.
    pub notice: Option<String>,
    /// Increases with every published state, so memoised components can tell it changed.
    pub revision: u64,
    pub dispatch: Callback<Intent>,
    /// Records the source emitted since the previous published state, one in `dot_stride`
    /// (by offset), for the pipeline's travelling dots.
    pub emitted: Rc<Vec<EmittedRecord>>,
    /// How many records one drawn dot stands for.
    pub dot_stride: u64,
    /// Chunks corrupted from this page: the store does not flag them, the person should
    /// see them.
    pub corrupted: Rc<BTreeSet<ChunkId>>,
    /// A step (to the next event or checkpoint) is being worked through.
    pub stepping: bool,
    /// While playing: the speed the engine really reaches when it cannot keep up with
    /// `speed` inside the frame budget; `None` when it keeps up.
    pub effective_speed: Option<f64>,
    /// The person asked for reduced motion: no travelling dots or flashes.
    pub reduced_motion: bool,
    /// Changes whenever the simulation is replaced (reset, seed, a new run), so views
    /// can forget what they remembered about the old one.
    pub generation: u64,
    pub what_if: WhatIfStatus,
}

/// The what-if calculator's progress and its last result.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum WhatIfStatus {
    #[default]
    Idle,
    Running {
        progress: f64,
        horizon_s: u32,
    },
    Done {
        rows: Rc<Vec<WhatIfOutcome>>,
        horizon_s: u32,
        /// Virtual time of the run when the forks were taken.
        from_us: u64,
    },
}

/// One record as it left the source, for drawing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmittedRecord {
    pub offset: u64,
    pub key_group: u32,
    pub subtask: u32,
}

impl PartialEq for LabState {
    fn eq(&self, other: &Self) -> bool {
        self.revision == other.revision
    }
}

//! The contract between the lab's root component and every other component: what the
//! user can ask for ([`Intent`]) and the read-only picture they draw ([`LabState`]).
//!
//! Components never touch the `Simulation`: they read `LabState` from the Yew context
//! and send `Intent`s through `LabState::dispatch`. The root (`app.rs`) owns the
//! simulation, turns intents into engine calls and publishes a fresh `LabState`.

use std::rc::Rc;

use crate::engine::config::Config;
use crate::engine::faults::Fault;
use crate::engine::log::LogEntry;
use crate::engine::metrics::Sample;
use crate::engine::sim::CheckpointStats;
use crate::engine::store::{CheckpointId, ChunkId};
use crate::engine::view::{KeyGroupInspection, SimView};
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
}

impl PartialEq for LabState {
    fn eq(&self, other: &Self) -> bool {
        self.revision == other.revision
    }
}

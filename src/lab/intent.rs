//! What a person can ask of the lab: the [`Intent`]s that components, the keyboard and
//! the address bar send, and the [`Selection`] the inspector shows.
//!
//! Components never touch the `Simulation`: they send intents, and the session
//! (`session.rs`) turns each into engine calls through the driver.

use crate::engine::config::Config;
use crate::engine::faults::Fault;
use crate::engine::transfer::store::{CheckpointId, ChunkId};

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

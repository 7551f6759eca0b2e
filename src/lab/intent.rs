//! What a person can ask of the lab: the [`Intent`]s that components, the keyboard and
//! the address bar send, and the [`Selection`] the inspector shows.
//!
//! Components never touch the `Simulation`: they send intents, and the session
//! (`session.rs`) turns each into engine calls through the driver.

use super::export::Export;
use crate::engine::config::Config;
use crate::engine::faults::Fault;
use crate::engine::transfer::store::{CheckpointId, ChunkId};

use super::model::Spot;
use super::prefs::DockTab;
use super::stepping::StepKind;
use super::sweep::SweepIntent;
use super::travel::TravelIntent;

/// Something a person clicked, typed or pressed.
#[derive(Clone, Debug, PartialEq)]
pub enum Intent {
    TogglePlay,
    Play,
    Pause,
    /// Advance to the next moment of the kind chosen for stepping (→ and .).
    StepMoment,
    /// Choose the kind of moment to step to, and step to the next one (keys 1–6).
    StepTo(StepKind),
    /// Choose the kind of moment to step to, without stepping (the step menu).
    SetStepKind(StepKind),
    /// Advance until the next checkpoint completes or fails, whatever kind is chosen.
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
    /// A trace's text for a trace source, with its key and value columns chosen: a
    /// header name, a position from 1, or empty for detection.
    LoadTrace {
        text: String,
        key: String,
        value: String,
    },
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
    /// The action bar's inputs (the subtask to crash, the parallelism to rescale to, the
    /// key group whose chunk to damage), as typed; the keys act on them too.
    SetTarget(Target, String),
    /// Crash the selected subtask (or the selected key group's), else the action bar's.
    CrashTargetSubtask,
    /// Rescale to the action bar's parallelism.
    RescaleToTarget,
    /// Corrupt or lose the selected chunk (or the selected key group's in the latest
    /// checkpoint), else the action bar's key group's.
    CorruptTargetChunk,
    LoseTargetChunk,
    /// Point at a place in the pipeline (the model panel's numbers).
    Spotlight(Spot),
    ToggleSlowMotion,
    TogglePresenter,
    ShowTab(DockTab),
    /// A settings group was opened or closed; the page remembers it.
    GroupOpen(String, bool),
    ToggleLargeFont,
    ToggleHelp,
    CopyLink,
    /// Esc: close the help overlay if it is open, otherwise clear the selection.
    Dismiss,
    /// The What if tab's sweep: its form, run, cancel, plot and applying a cell.
    Sweep(SweepIntent),
    /// The shell started fetching a job's REST answers from a JobManager at this URL.
    FlinkFetching(String),
    /// A job's REST answers, `(file name, text)`, dropped or fetched; `from` says where
    /// they came from.
    FlinkAnswers {
        from: String,
        files: Vec<(String, String)>,
    },
    /// A fetch failed before any answer was read (network, CORS, HTTP status).
    FlinkFetchFailed {
        url: String,
        message: String,
    },
    /// What the engineer knows about the job's records: a workload-shaped JSON file.
    FlinkKnown {
        name: String,
        text: String,
    },
    FlinkForgetKnown,
    /// Run the calibrated config in the lab.
    OpenCalibrated,
    /// Save a file built from the run (Flink YAML, the Flink job, history, metrics).
    Export(Export),
    /// Search the job's result for a key (the Inspect tab).
    FindKey(String),
    /// Time travel: scrub, step back, branch, switch, compare (`lab::travel`).
    Travel(TravelIntent),
    /// Something for the lessons: open, step, answer, show me … (`lab::lesson`).
    Lesson(super::lesson::LessonIntent),
}

/// What the inspector shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    Subtask(u32),
    KeyGroup(u32),
    Chunk(ChunkId),
    Checkpoint(CheckpointId),
}

/// The action bar's inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Subtask,
    Parallelism,
    KeyGroup,
}

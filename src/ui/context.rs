//! What every component reads from the Yew context: the read-only picture of the lab the
//! root publishes, and the way back (`dispatch`) for the [`Intent`]s they send.
//!
//! Components never touch the `Simulation`: they read `LabState` from the Yew context
//! and send `Intent`s through `LabState::dispatch`. The root (`app.rs`) owns the
//! simulation, turns intents into engine calls and publishes a fresh `LabState`.

use std::collections::BTreeSet;
use std::rc::Rc;

use crate::engine::config::Config;
use crate::engine::report::events::LogEntry;
use crate::engine::report::metrics::Sample;
use crate::engine::report::view::{KeyGroupInspection, SimView};
use crate::engine::report::whatif::WhatIfRow;
use crate::engine::sim::CheckpointStats;
use crate::engine::transfer::store::ChunkId;
use crate::lab::intent::{Intent, Selection};
use yew::Callback;

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
        rows: Rc<Vec<WhatIfRow>>,
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

//! [`LabView`]: the read-only picture of the lab that every component draws, published by
//! the session after each engine step. It holds the engine's own read-only view of the
//! run and the page's state (playing, speed, selection, messages …); parts that did not
//! change between two pictures keep their `Rc`, so memoised components can tell.

use std::collections::BTreeSet;
use std::rc::Rc;

use crate::engine::config::Config;
use crate::engine::report::events::LogEntry;
use crate::engine::report::metrics::Sample;
use crate::engine::report::stats::CheckpointStats;
use crate::engine::report::view::{KeyGroupInspection, SimView};
use crate::engine::transfer::store::ChunkId;

use super::intent::Selection;
use super::whatif::WhatIfStatus;

/// Everything components draw.
#[derive(Clone, Debug)]
pub struct LabView {
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
    /// A link the browser refused to copy, shown for the person to copy by hand.
    pub share_link: Option<String>,
    /// Increases with every published picture, so memoised components can tell it changed.
    pub revision: u64,
    /// Records the source emitted since the previous picture, one in `dot_stride` (by
    /// offset), for the pipeline's travelling dots.
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

/// One record as it left the source, for drawing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmittedRecord {
    pub offset: u64,
    pub key_group: u32,
    pub subtask: u32,
}

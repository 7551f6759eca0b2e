//! [`LabView`]: the read-only picture of the lab that every component draws, published by
//! the session after each engine step. It holds the engine's own read-only view of the
//! run and the page's state (playing, speed, selection, messages …); parts that did not
//! change between two pictures keep their `Rc`, so memoised components can tell.

use super::calibration::CalibrationView;
use super::result::ResultView;
use std::collections::BTreeSet;
use std::rc::Rc;

use crate::engine::config::Config;
use crate::engine::report::events::LogEntry;
use crate::engine::report::metrics::Sample;
use crate::engine::report::stats::CheckpointStats;
use crate::engine::report::view::{KeyGroupInspection, SimView};
use crate::engine::transfer::store::ChunkId;

use super::intent::Selection;
use super::lesson::view::LessonsView;
use super::model::Spot;
use super::moments::Moment;
use super::prefs::DockTab;
use super::stepping::StepKind;
use super::sweep::SweepView;
use super::travel::TimelineView;

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
    /// The job's result as the Inspect tab shows it (read while that tab is open).
    pub result: Option<Rc<ResultView>>,
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
    /// While playing and clearly slower than planned: the speeds really reached and
    /// planned (virtual seconds per wall second); `None` when it keeps up.
    pub behind: Option<(f64, f64)>,
    /// Slow motion is switched on.
    pub slow_motion: bool,
    /// While slow motion holds the run below the speed asked: around what
    /// ("checkpoint 3", "the restore").
    pub slowed: Option<String>,
    /// The moment the run is in, for the stage's caption.
    pub moment: Option<Moment>,
    /// What "step" (→, .) goes to.
    pub step_kind: StepKind,
    /// Presenter mode: the pipeline fills the screen, text is large.
    pub presenter: bool,
    pub dock_tab: DockTab,
    /// Settings groups the person closed.
    pub closed_groups: Rc<BTreeSet<String>>,
    /// The action bar's inputs, as typed: subtask, parallelism, key group.
    pub targets: (String, String, String),
    /// A place to point at in the pipeline, numbered so a second click points again.
    pub spotlight: Option<(Spot, u64)>,
    /// The person asked for reduced motion: no travelling dots or flashes.
    pub reduced_motion: bool,
    /// Changes whenever the simulation is replaced (reset, seed, a new run), so views
    /// can forget what they remembered about the old one.
    pub generation: u64,
    /// The What if tab's sweep and the run's expected cost of failures.
    pub sweep: Rc<SweepView>,
    /// The "Your job" tab: a real job calibrated and compared.
    pub calibration: CalibrationView,
    /// The run's timeline: the moment shown, markers, branches, a comparison.
    pub timeline: Rc<TimelineView>,
    /// The open lesson, the lesson picker, the start screen (`lab::lesson`).
    pub lessons: Rc<LessonsView>,
}

/// One record as it left the source, for drawing (defined beside the publisher that
/// samples them, which the timeline's compared branch also uses).
pub use super::publish::EmittedRecord;

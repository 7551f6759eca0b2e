//! Lessons in the lab, without a DOM: what the browser's lesson panel, callouts, picker,
//! start screen and keys need from `crate::lessons`, tested natively.
//!
//! The lesson system itself (`crate::lessons`) owns the steps, their runs, predictions
//! and goals; `lab::session` plays it inside the page (`session/lesson.rs`): the driver
//! holds the lesson's simulation, so the pipeline, the inspector, the dock and every
//! control act on the very run the lesson narrates, and the session lends it back to the
//! [`LessonSession`] for each call. Here:
//!
//! - [`LessonIntent`]: what the panel, the picker, the start screen and the keys ask for.
//! - [`Lessons`]: the lessons' state in the page (the open lesson and what the page adds
//!   to it: when the controls were handed over, "show me" playing, digests; the picker;
//!   the start screen; a link that could not be opened).
//! - [`view`]: the published [`view::LessonsView`].
//! - [`link`]: deep links, `?lesson=ID&step=N`.
//! - [`keys`]: → / PageDown and ← / PageUp while a lesson is open.
//! - [`placement`]: where a callout goes so it points at its target without covering it.
//! - [`estimate`]: how long a lesson takes at its default pace.

pub mod estimate;
pub mod keys;
pub mod link;
pub mod placement;
pub mod view;

use std::collections::VecDeque;

use crate::lessons::action::Action;
use crate::lessons::{Catalog, LessonSession, StepStatus};
use estimate::Estimate;

/// The tour the start screen offers: how a key is routed, what a checkpoint is, and how
/// a job recovers from one — the three ideas every other lesson builds on.
pub const TOUR: [&str; 3] = ["where-a-key-goes", "a-checkpoint", "crash-and-recovery"];

/// What a person can ask of the lessons.
#[derive(Clone, Debug, PartialEq)]
pub enum LessonIntent {
    /// Open a lesson at a step (1-based).
    Open {
        id: String,
        step: usize,
    },
    /// Start the tour: its first lesson, Next then leads through the others.
    StartTour,
    /// Close the start screen and explore the lab.
    JustExplore,
    /// Close the lesson; the run stays as it is, for exploring.
    Close,
    /// The next step; at the last step, the next lesson.
    Next,
    /// The previous step, exactly as it began.
    Previous,
    /// A step of the open lesson (1-based), along the lesson's path.
    GoTo(usize),
    /// The current step again from its beginning.
    RestartStep,
    /// Answer the prediction with a choice (an index), or run without answering.
    Answer(usize),
    SkipPrediction,
    /// Let the step's run reach its end at once.
    RunToEnd,
    /// Answer the "try it" question with a choice.
    AnswerTryIt(usize),
    /// Play the "try it" solution.
    ShowMe,
    /// Show or hide the lesson picker.
    TogglePicker,
    /// Measure how long each lesson takes (the picker and start screen ask once shown;
    /// one lesson per frame).
    Measure,
}

/// "Show me" playing: the solution's actions still to apply, and the virtual time the
/// current `advance_s` waits for (the run plays there at the step's pace).
#[derive(Clone, Debug, Default)]
pub struct ShowMe {
    pub actions: VecDeque<Action>,
    pub wait_until_us: Option<u64>,
}

/// The open lesson and what the page keeps beside it.
pub struct OpenLesson {
    /// The lesson. While it is open the lab's driver holds the simulation it plays and
    /// this session holds the run the lab had before (they trade places for each call).
    pub session: LessonSession,
    /// Wall ms when the learner got the controls (for the hint's delay).
    pub handed_over_at_ms: Option<f64>,
    pub show_me: Option<ShowMe>,
    pub entry_digest: u64,
    pub end_digest: Option<u64>,
    /// The status the page last saw, to notice when the run ends.
    pub seen_status: StepStatus,
    /// The step and status for which the dock was last switched to a callout's tab, so it
    /// is switched once and the learner may switch away.
    pub tab_shown_for: Option<(usize, StepStatus)>,
    pub try_answer_right: Option<bool>,
    pub message: Option<String>,
    /// Opened from the tour: Next at its end leads to the tour's next lesson.
    pub tour: bool,
}

impl OpenLesson {
    pub fn new(session: LessonSession, tour: bool) -> Self {
        let status = session.status();
        Self {
            session,
            handed_over_at_ms: None,
            show_me: None,
            entry_digest: 0,
            end_digest: None,
            seen_status: status,
            tab_shown_for: None,
            try_answer_right: None,
            message: None,
            tour,
        }
    }
}

/// The lessons' state in the page.
#[derive(Default)]
pub struct Lessons {
    pub open: Option<OpenLesson>,
    pub picker: bool,
    pub start_screen: bool,
    /// The start screen was answered, now or on an earlier visit (remembered in prefs).
    pub intro_seen: bool,
    /// A link or lesson that could not be opened, in words.
    pub problem: Option<String>,
    /// Each lesson's estimate, by catalog position, measured once asked for.
    pub estimates: Vec<Option<Estimate>>,
    /// A view asked for the estimates ([`LessonIntent::Measure`]).
    pub measuring: bool,
    /// The last published view, shared while nothing in it changes.
    pub last: Option<std::rc::Rc<view::LessonsView>>,
}

impl Lessons {
    /// Whether estimates were asked for and one is still missing.
    pub fn estimates_pending(&self) -> bool {
        self.measuring && self.next_estimate().is_some()
    }

    fn next_estimate(&self) -> Option<usize> {
        let n = Catalog::builtin().map_or(0, |c| c.lessons().len());
        (0..n).find(|i| self.estimates.get(*i).is_none_or(Option::is_none))
    }

    /// Measures one missing estimate (a lesson's walk takes a few ms natively; one per
    /// frame keeps the page responsive). Tour lessons first, for the start screen.
    pub fn measure_one(&mut self) {
        let Ok(catalog) = Catalog::builtin() else {
            return;
        };
        let lessons = catalog.lessons();
        let missing = |i: &usize| self.estimates.get(*i).is_none_or(Option::is_none);
        let tour_first = TOUR
            .iter()
            .filter_map(|id| lessons.iter().position(|l| l.id == *id))
            .find(|i| missing(i));
        let Some(i) = tour_first.or_else(|| self.next_estimate()) else {
            return;
        };
        if self.estimates.len() < lessons.len() {
            self.estimates.resize(lessons.len(), None);
        }
        self.estimates[i] = estimate::estimate(&lessons[i].id).ok();
        // A lesson that cannot be walked (the tests prevent it) would be measured again
        // every frame: count it as measured, with nothing to say.
        if self.estimates[i].is_none() {
            self.estimates[i] = Some(Estimate {
                steps: lessons[i].steps.len(),
                run_s: 0.0,
                try_s: 0.0,
                words: 0,
            });
        }
    }

    pub fn estimate_of(&self, index: usize) -> Option<Estimate> {
        self.estimates.get(index).copied().flatten()
    }
}

/// The lesson after `id`: the tour's next one while on the tour, else the next in order.
pub fn next_lesson(id: &str, tour: bool) -> Option<(String, bool)> {
    let catalog = Catalog::builtin().ok()?;
    if tour {
        if let Some(i) = TOUR.iter().position(|t| *t == id) {
            if let Some(next) = TOUR.get(i + 1) {
                return Some((next.to_string(), true));
            }
        }
    }
    let lessons = catalog.lessons();
    let i = lessons.iter().position(|l| l.id == id)?;
    lessons.get(i + 1).map(|l| (l.id.clone(), false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tour_is_made_of_real_lessons_in_the_order_they_build() {
        let catalog = Catalog::builtin().unwrap();
        let positions: Vec<usize> = TOUR
            .iter()
            .map(|id| {
                catalog
                    .lessons()
                    .iter()
                    .position(|l| l.id == *id)
                    .unwrap_or_else(|| panic!("{id} is not a lesson"))
            })
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    }

    #[test]
    fn next_follows_the_tour_on_the_tour_and_the_order_otherwise() {
        assert_eq!(
            next_lesson("a-checkpoint", true),
            Some(("crash-and-recovery".into(), true))
        );
        assert_eq!(
            next_lesson("a-checkpoint", false),
            Some(("compression".into(), false))
        );
        // The tour's end continues in order.
        assert_eq!(
            next_lesson("crash-and-recovery", true),
            Some(("rescaling".into(), false))
        );
        assert_eq!(next_lesson("a-damaged-store", false), None);
        assert_eq!(next_lesson("nope", false), None);
    }

    #[test]
    fn estimates_are_measured_one_at_a_time_when_wanted_tour_first() {
        let mut lessons = Lessons::default();
        assert!(!lessons.estimates_pending(), "nothing asked for them");
        lessons.measuring = true;
        assert!(lessons.estimates_pending());
        lessons.measure_one();
        let measured: Vec<usize> = (0..9)
            .filter(|i| lessons.estimate_of(*i).is_some())
            .collect();
        assert_eq!(measured, vec![0], "the tour's first lesson first");
        for _ in 0..20 {
            lessons.measure_one();
        }
        assert!(!lessons.estimates_pending());
        assert!((0..9).all(|i| lessons.estimate_of(i).is_some()));
    }
}

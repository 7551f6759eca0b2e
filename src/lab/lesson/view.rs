//! [`LessonsView`]: the lessons' part of the published picture — the open lesson's step as
//! the panel draws it (narration, the prediction and its reveal with the run's numbers,
//! the "try it", the callouts and where each one is drawn), the lesson picker, the start
//! screen, and a link or lesson that could not be opened, named. Plain data, compared by
//! value, so components re-render only when something in it changed.

use crate::engine::report::stats::Direction;
use crate::engine::report::view::SimView;
use crate::lab::prefs::DockTab;
use crate::lessons::anchor::{Formula, Target};
use crate::lessons::condition::RunOutcome;
use crate::lessons::prediction::PredictionState;
use crate::lessons::{LessonSession, StepStatus};

/// The lessons' side of the page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LessonsView {
    pub open: Option<OpenView>,
    /// The lesson picker, when shown.
    pub picker: Option<Vec<PickerEntry>>,
    /// The first-visit start screen, when shown.
    pub start: Option<StartScreen>,
    /// A lesson link or lesson that could not be opened, said in words.
    pub problem: Option<String>,
}

impl LessonsView {
    /// Whether the page gives the lessons a column beside the pipeline.
    pub fn has_column(&self) -> bool {
        self.open.is_some() || self.picker.is_some() || self.problem.is_some()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct PickerEntry {
    pub number: usize,
    pub id: String,
    pub title: String,
    pub summary: String,
    pub steps: usize,
    /// Minutes at the default pace, once measured (`estimate.rs`).
    pub minutes: Option<u32>,
    pub in_tour: bool,
    pub current: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StartScreen {
    /// The tour's lessons, in order.
    pub tour: Vec<String>,
    /// The tour's minutes at the default pace, once measured.
    pub tour_minutes: Option<u32>,
    pub lessons: usize,
}

/// What Next does at the step shown.
#[derive(Clone, Debug, PartialEq)]
pub enum NextAction {
    Step,
    /// The last step: the next lesson (of the tour, or in order).
    Lesson {
        id: String,
        title: String,
        tour: bool,
    },
    /// The last step of the last lesson: close it.
    Finish,
}

/// The open lesson's current step.
#[derive(Clone, Debug, PartialEq)]
pub struct OpenView {
    pub id: String,
    pub title: String,
    /// The lesson's number in the catalog, 1-based, and how many there are.
    pub number: usize,
    pub lessons: usize,
    pub step: usize,
    pub steps: usize,
    pub step_titles: Vec<String>,
    pub step_title: String,
    pub narration: String,
    pub status: StepStatus,
    /// The step's suggested speed (virtual seconds per wall second).
    pub pace: f64,
    pub outcome: Option<RunOutcome>,
    pub prediction: Option<PredictionView>,
    /// The text shown once the run has ended, with its numbers.
    pub after: Option<String>,
    pub try_it: Option<TryItPanel>,
    pub callouts: Vec<CalloutPin>,
    /// Digests of the simulation as the step began and as its run ended, so the browser
    /// tests can check that Previous restores the exact state.
    pub entry_digest: u64,
    pub end_digest: Option<u64>,
    pub next: NextAction,
    /// An action that failed in this step, in words.
    pub message: Option<String>,
    pub tour: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChoiceView {
    pub text: String,
    /// The learner picked it.
    pub chosen: bool,
    /// The engine's numbers make it right (only once revealed).
    pub correct: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PredictionStage {
    Asked,
    /// Answered (or skipped); the run plays.
    Running,
    Revealed {
        explanation: String,
        /// Whether the learner's choice was right; `None` when skipped.
        right: Option<bool>,
        /// The probe could not read the run (the lesson rotted); the tests prevent it.
        problem: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct PredictionView {
    pub question: String,
    pub choices: Vec<ChoiceView>,
    pub stage: PredictionStage,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TryItPanel {
    pub task: String,
    /// The learner has the controls.
    pub handed_over: bool,
    pub achieved: bool,
    pub hint: String,
    /// When the hint shows, on the page's wall clock (ms): the learner's handover plus
    /// the hint's delay; `None` before the handover.
    pub hint_at_ms: Option<f64>,
    pub success: String,
    pub question: Option<QuestionView>,
    /// "Show me" was used; `showing` while its solution still plays.
    pub shown: bool,
    pub showing: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct QuestionView {
    pub text: String,
    pub choices: Vec<ChoiceView>,
    /// Whether the answer given is right, once answered.
    pub right: Option<bool>,
}

/// Where a callout's target is drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// In the pipeline's canvas: the painter knows where (it drew it).
    Canvas,
    /// An element of a dock tab, found by a CSS selector.
    Dock { tab: DockTab, selector: String },
}

#[derive(Clone, Debug, PartialEq)]
pub struct CalloutPin {
    /// Its index in the step's callouts (the page's `data-callout`).
    pub index: usize,
    pub text: String,
    /// What it points at now; `None` while the thing does not exist.
    pub target: Option<Target>,
    /// Shown now: the thing exists and the step is in the callout's phase.
    pub visible: bool,
    pub place: Place,
    /// The target in words ("subtask 1", "key group 4's chunk on the link").
    pub about: String,
}

/// Where a target is drawn.
pub fn place_of(target: &Target) -> Place {
    match target {
        Target::Formula(f) => Place::Dock {
            tab: DockTab::Model,
            selector: format!("[data-testid=\"formula-{}\"]", formula_block(*f)),
        },
        Target::HistoryRow(id) => Place::Dock {
            tab: DockTab::Metrics,
            selector: format!("tr.row[data-checkpoint=\"{id}\"]"),
        },
        _ => Place::Canvas,
    }
}

/// The model panel's block that shows a formula (`lab::model`).
pub fn formula_block(f: Formula) -> &'static str {
    match f {
        Formula::KeyGroup | Formula::OperatorIndex => "routing",
        Formula::Partitions => "partitions",
        Formula::CompressionRatio => "compression",
        Formula::ChangeInterval | Formula::YoungDaly => "change",
    }
}

/// A target in words, for screen readers and the panel.
pub fn describe(target: &Target) -> String {
    match target {
        Target::Subtask(i) => format!("subtask {i}"),
        Target::KeyGroup(k) => format!("key group {k}"),
        Target::Barrier {
            checkpoint,
            subtask,
        } => format!("checkpoint {checkpoint}'s barrier in subtask {subtask}'s channel"),
        Target::ChunkOnLink {
            key_group,
            direction,
        } => format!(
            "key group {key_group}'s chunk on the link ({})",
            match direction {
                Direction::Upload => "to the store",
                Direction::Download => "back from the store",
            }
        ),
        Target::StoredCheckpoint(id) => format!("checkpoint {id} in the store"),
        Target::HistoryRow(id) => format!("checkpoint {id} in the history (Metrics tab)"),
        Target::Formula(f) => format!(
            "the {} formula (Model tab)",
            match f {
                Formula::KeyGroup => "key group",
                Formula::OperatorIndex => "subtask",
                Formula::Partitions => "P = S / Z",
                Formula::CompressionRatio => "compression ratio",
                Formula::ChangeInterval => "change-rate interval",
                Formula::YoungDaly => "Young–Daly",
            }
        ),
        Target::Source => "the source".into(),
        Target::Link => "the link".into(),
        Target::Store => "the checkpoint store".into(),
    }
}

/// A name for a target that the page's elements carry (`data-target`), so the canvas's
/// painter finds the rectangle it drew for the thing a callout points at.
pub fn target_key(target: &Target) -> String {
    match target {
        Target::Subtask(i) => format!("subtask-{i}"),
        Target::KeyGroup(k) => format!("key-group-{k}"),
        Target::Barrier {
            checkpoint,
            subtask,
        } => format!("barrier-{checkpoint}-{subtask}"),
        Target::ChunkOnLink {
            key_group,
            direction,
        } => format!(
            "chunk-{}-{key_group}",
            match direction {
                Direction::Upload => "up",
                Direction::Download => "down",
            }
        ),
        Target::StoredCheckpoint(id) => format!("checkpoint-{id}"),
        Target::HistoryRow(id) => format!("history-{id}"),
        Target::Formula(f) => format!("formula-{}", formula_block(*f)),
        Target::Source => "source".into(),
        Target::Link => "link".into(),
        Target::Store => "store".into(),
    }
}

/// A speed without trailing zeros: 0.05, 0.5, 1.
fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// What the session knows beside the lesson's own state.
pub struct Extra {
    pub number: usize,
    pub lessons: usize,
    pub entry_digest: u64,
    pub end_digest: Option<u64>,
    pub hint_at_ms: Option<f64>,
    pub showing: bool,
    pub try_answer_right: Option<bool>,
    pub next: NextAction,
    pub message: Option<String>,
    pub tour: bool,
}

impl OpenView {
    /// The step as `session` stands, its callouts resolved against `view` (this frame's).
    pub fn build(session: &LessonSession, view: &SimView, extra: Extra) -> OpenView {
        let lesson = session.lesson();
        let step = session.step();
        let progress = session.progress();
        let prediction = step.predict.as_ref().map(|p| {
            let state = session.prediction();
            let chosen = match state {
                Some(PredictionState::Answered { choice }) => *choice,
                Some(PredictionState::Revealed(r)) => r.chosen,
                _ => None,
            };
            let correct: &[usize] = match state {
                Some(PredictionState::Revealed(r)) => &r.correct,
                _ => &[],
            };
            PredictionView {
                question: p.question.clone(),
                choices: p
                    .choices
                    .iter()
                    .enumerate()
                    .map(|(i, c)| ChoiceView {
                        text: c.text.clone(),
                        chosen: chosen == Some(i),
                        correct: correct.contains(&i),
                    })
                    .collect(),
                stage: match state {
                    Some(PredictionState::Revealed(r)) => PredictionStage::Revealed {
                        explanation: r.explanation.clone(),
                        right: r.learner_was_right(),
                        problem: r.reading.as_ref().err().cloned(),
                    },
                    Some(PredictionState::Answered { .. }) => PredictionStage::Running,
                    _ => PredictionStage::Asked,
                },
            }
        });
        let try_it = session.try_it().map(|t| TryItPanel {
            task: t.try_it.task.clone(),
            handed_over: t.handed_over,
            achieved: t.achieved,
            hint: t.try_it.hint.text.clone(),
            hint_at_ms: extra.hint_at_ms.filter(|_| t.handed_over),
            success: t.try_it.success.clone(),
            question: t.try_it.question.as_ref().map(|q| QuestionView {
                text: q.text.clone(),
                choices: q
                    .choices
                    .iter()
                    .enumerate()
                    .map(|(i, c)| ChoiceView {
                        text: c.text.clone(),
                        chosen: t.answer == Some(i),
                        correct: t.answer == Some(i) && extra.try_answer_right == Some(true),
                    })
                    .collect(),
                right: t.answer.and(extra.try_answer_right),
            }),
            shown: t.shown,
            showing: extra.showing,
        });
        let callouts = session
            .callouts_with(view)
            .into_iter()
            .enumerate()
            .map(|(index, c)| CalloutPin {
                index,
                text: c.text.to_string(),
                target: c.target,
                visible: c.visible,
                place: c.target.as_ref().map_or(Place::Canvas, place_of),
                about: c.target.as_ref().map_or_else(String::new, describe),
            })
            .collect();
        OpenView {
            id: lesson.id.clone(),
            title: lesson.title.clone(),
            number: extra.number,
            lessons: extra.lessons,
            step: progress.step,
            steps: progress.steps,
            step_titles: lesson.steps.iter().map(|s| s.title.clone()).collect(),
            step_title: step.title.clone(),
            narration: step.narration.clone(),
            status: session.status(),
            pace: step.pace(),
            outcome: session.run_outcome(),
            prediction,
            after: session.after_text().map(str::to_string),
            try_it,
            callouts,
            entry_digest: extra.entry_digest,
            end_digest: extra.end_digest,
            next: extra.next,
            message: extra.message,
            tour: extra.tour,
        }
    }

    /// Where the step stands, in a few words: what the run does or did, and what is
    /// expected of the learner.
    pub fn status_text(&self) -> String {
        let pace = if self.pace < 1.0 {
            format!("{}× (slowed down so it can be watched)", trim(self.pace))
        } else {
            format!("{}×", trim(self.pace))
        };
        match self.status {
            StepStatus::Asking => {
                "Answer the question (or run without answering): the run waits.".into()
            }
            StepStatus::Running => format!("The run plays at {pace}."),
            StepStatus::Reached => "The run stopped where the step ends; the picture holds.".into(),
            StepStatus::TimedOut => {
                "The run reached the step's time limit before its moment came; the picture holds."
                    .into()
            }
            StepStatus::Trying => "Your turn: the controls are yours.".into(),
            StepStatus::Achieved => "Goal reached.".into(),
        }
    }

    /// The first visible callout drawn in the dock, if any: the dock shows its tab.
    pub fn dock_tab_wanted(&self) -> Option<DockTab> {
        self.callouts
            .iter()
            .find_map(|c| match (&c.place, c.visible) {
                (Place::Dock { tab, .. }, true) => Some(*tab),
                _ => None,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dock_targets_name_elements_the_dock_draws() {
        assert_eq!(
            place_of(&Target::HistoryRow(3)),
            Place::Dock {
                tab: DockTab::Metrics,
                selector: "tr.row[data-checkpoint=\"3\"]".into()
            }
        );
        // Every formula a lesson can point at has a block in the model panel.
        let sim = crate::engine::sim::Simulation::new(Default::default(), None).unwrap();
        let view = sim.view();
        let blocks = crate::lab::model::blocks(&view, sim.history(), sim.config(), 1024);
        for f in [
            Formula::KeyGroup,
            Formula::OperatorIndex,
            Formula::Partitions,
            Formula::CompressionRatio,
            Formula::ChangeInterval,
            Formula::YoungDaly,
        ] {
            assert!(
                blocks.iter().any(|b| b.id == formula_block(f)),
                "{f:?} has no block"
            );
            assert!(matches!(
                place_of(&Target::Formula(f)),
                Place::Dock {
                    tab: DockTab::Model,
                    ..
                }
            ));
        }
        assert_eq!(place_of(&Target::Subtask(1)), Place::Canvas);
        assert_eq!(
            describe(&Target::StoredCheckpoint(2)),
            "checkpoint 2 in the store"
        );
    }

    #[test]
    fn every_target_has_its_own_key() {
        let targets = [
            Target::Subtask(1),
            Target::KeyGroup(1),
            Target::Barrier {
                checkpoint: 1,
                subtask: 1,
            },
            Target::ChunkOnLink {
                key_group: 1,
                direction: Direction::Upload,
            },
            Target::ChunkOnLink {
                key_group: 1,
                direction: Direction::Download,
            },
            Target::StoredCheckpoint(1),
            Target::HistoryRow(1),
            Target::Formula(Formula::Partitions),
            Target::Source,
            Target::Link,
            Target::Store,
        ];
        let keys: std::collections::BTreeSet<String> = targets.iter().map(target_key).collect();
        assert_eq!(keys.len(), targets.len(), "{keys:?}");
        assert_eq!(
            target_key(&Target::Barrier {
                checkpoint: 2,
                subtask: 3
            }),
            "barrier-2-3"
        );
    }

    #[test]
    fn the_status_says_the_pace_without_trailing_zeros() {
        assert_eq!(trim(0.05), "0.05");
        assert_eq!(trim(1.0), "1");
        assert_eq!(trim(0.5), "0.5");
    }
}

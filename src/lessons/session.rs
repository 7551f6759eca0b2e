//! `LessonSession`: one learner in one lesson. It owns the [`Simulation`] the UI draws,
//! plays the current step's run in pieces ([`LessonSession::advance`], once per frame),
//! asks and reveals predictions, hands over the controls for a "try it" and checks its
//! goal, and moves between steps.
//!
//! **The canonical path.** Each step begins from where the previous step ends *on the
//! lesson's own path*: its run played to its condition and, for a "try it", its scripted
//! solution applied. What a learner does with the controls stays in their step; Next
//! continues from the canonical end, so the next step's narration always matches what is
//! on screen, and `?lesson=…&step=N` opens exactly the state a learner walking there sees.
//! Every step's entry state (after its setup) is kept as a clone: Previous restores it
//! exactly (clones are cheap: state is shared copy-on-write), and opening step N computes
//! the path from the nearest earlier step that starts a new run.

use super::action::{apply, Action, ActionError};
use super::anchor::Target;
use super::catalog::{run_config, Catalog, CatalogErrors};
use super::condition::{next_checkpoint_id, seconds_to_us, RunOutcome, RunWatch};
use super::format::{Callout, Lesson, Show, Step};
use super::prediction::{PredictionState, Reveal};
use super::probe::{Fact, ProbeContext, ProbeError, Reading};
use super::template::Template;
use super::try_it::{Handover, TryIt};
use crate::engine::config::Config;
use crate::engine::report::view::SimView;
use crate::engine::sim::Simulation;
use crate::engine::transfer::store::CheckpointId;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// Why a lesson, a step or an answer could not be opened or given.
#[derive(Clone, Debug, PartialEq)]
pub enum LessonError {
    /// The built-in lessons did not load (a broken lesson file; the tests prevent it).
    Catalog(CatalogErrors),
    UnknownLesson {
        id: String,
        known: Vec<String>,
    },
    /// `step` is 1-based, as in `?step=N` and "step 3 of 6".
    StepOutOfRange {
        lesson: String,
        step: usize,
        steps: usize,
    },
    /// A `?step=` value that is not a number.
    BadStepNumber {
        text: String,
    },
    /// A step's setup or scripted solution failed on the engine (a lesson that rotted).
    StepFailed {
        lesson: String,
        step: usize,
        message: String,
    },
    /// The step has no prediction, or it has already been answered.
    NotAsking,
    /// The step has no "try it".
    NoTryIt,
    /// The step's "try it" asks no question.
    NoQuestion,
    ChoiceOutOfRange {
        choice: usize,
        choices: usize,
    },
    Action(ActionError),
}

impl fmt::Display for LessonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LessonError::Catalog(e) => write!(f, "the lessons did not load: {e}"),
            LessonError::UnknownLesson { id, known } => {
                write!(f, "no lesson `{id}`; the lessons are {}", known.join(", "))
            }
            LessonError::StepOutOfRange {
                lesson,
                step,
                steps,
            } => write!(
                f,
                "lesson `{lesson}` has steps 1 to {steps}, there is no step {step}"
            ),
            LessonError::BadStepNumber { text } => {
                write!(f, "step must be a number from 1, got `{text}`")
            }
            LessonError::StepFailed {
                lesson,
                step,
                message,
            } => write!(f, "lesson `{lesson}`, step {step}: {message}"),
            LessonError::NotAsking => write!(f, "this step is not asking a question now"),
            LessonError::NoTryIt => write!(f, "this step has no \"try it\""),
            LessonError::NoQuestion => write!(f, "this step's \"try it\" asks no question"),
            LessonError::ChoiceOutOfRange { choice, choices } => write!(
                f,
                "choice {choice} does not exist: there are {choices} (0 to {})",
                choices.saturating_sub(1)
            ),
            LessonError::Action(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for LessonError {}

/// Reads a `?step=` value: a number from 1.
pub fn parse_step_number(text: &str) -> Result<usize, LessonError> {
    text.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| LessonError::BadStepNumber {
            text: text.to_string(),
        })
}

/// Where the current step stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// A prediction is asked; nothing runs until it is answered or skipped.
    Asking,
    /// The run plays.
    Running,
    /// The run met its condition; the picture holds at that moment.
    Reached,
    /// The run's bound passed first.
    TimedOut,
    /// The run is over and the learner has the controls; time runs on.
    Trying,
    /// The "try it" goal is met (the learner keeps the controls).
    Achieved,
}

/// "Step `step` of `steps`", 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub step: usize,
    pub steps: usize,
}

/// A callout as the UI draws it this frame.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CalloutView<'a> {
    pub text: &'a str,
    pub show: Show,
    /// What its anchor points at now; `None` while the thing does not exist.
    pub target: Option<Target>,
    /// Drawn now: the anchor exists and the step is in the callout's phase.
    pub visible: bool,
}

/// The "try it" of the current step, as it stands.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TryItView<'a> {
    pub try_it: &'a TryIt,
    /// The learner has the controls (the step's run is over).
    pub handed_over: bool,
    pub achieved: bool,
    /// The learner's answer to the question, if any.
    pub answer: Option<usize>,
    /// "Show me" was used.
    pub shown: bool,
}

/// A step's entry state: the simulation right after its setup, and the config its run
/// started with (what `value_models` re-runs).
#[derive(Clone, Debug)]
struct Entry {
    sim: Simulation,
    run_config: Config,
}

/// Everything about the current step that is not the simulation.
#[derive(Clone, Debug)]
struct StepState {
    run_config: Config,
    next_at_step: CheckpointId,
    status: StepStatus,
    watch: Option<RunWatch>,
    outcome: Option<RunOutcome>,
    prediction: Option<PredictionState>,
    facts: BTreeMap<String, Result<Reading, ProbeError>>,
    after: Option<String>,
    /// Per callout: its anchor existed at some moment the run was watched.
    seen_running: Vec<bool>,
    handover: Option<Handover>,
    answer: Option<usize>,
    answer_right: bool,
    shown: bool,
}

#[derive(Clone)]
pub struct LessonSession {
    lesson: Arc<Lesson>,
    index: usize,
    sim: Simulation,
    state: StepState,
    entries: Vec<Option<Entry>>,
    /// The simulation left the canonical path (controls used, actions applied).
    touched: bool,
}

impl fmt::Debug for LessonSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LessonSession")
            .field("lesson", &self.lesson.id)
            .field("step", &(self.index + 1))
            .field("status", &self.state.status)
            .finish()
    }
}

impl LessonSession {
    /// Opens a built-in lesson at a step (1-based, as in `?lesson=ID&step=N`).
    pub fn open(lesson_id: &str, step: usize) -> Result<Self, LessonError> {
        let catalog = Catalog::builtin().map_err(|e| LessonError::Catalog(e.clone()))?;
        Self::open_in(catalog, lesson_id, step)
    }

    /// [`Self::open`] in another catalog.
    pub fn open_in(catalog: &Catalog, lesson_id: &str, step: usize) -> Result<Self, LessonError> {
        let lesson = catalog
            .get(lesson_id)
            .ok_or_else(|| LessonError::UnknownLesson {
                id: lesson_id.to_string(),
                known: catalog.ids(),
            })?
            .clone();
        let steps = lesson.steps.len();
        if step == 0 || step > steps {
            return Err(LessonError::StepOutOfRange {
                lesson: lesson.id.clone(),
                step,
                steps,
            });
        }
        let mut entries = vec![None; steps];
        let entry = entry_state(&lesson, &mut entries, step - 1)?;
        let state = StepState::begin(&lesson.steps[step - 1], &entry);
        let mut session = Self {
            lesson,
            index: step - 1,
            sim: entry.sim,
            state,
            entries,
            touched: false,
        };
        session.start();
        Ok(session)
    }

    pub fn lesson(&self) -> &Lesson {
        &self.lesson
    }

    pub fn step(&self) -> &Step {
        &self.lesson.steps[self.index]
    }

    pub fn progress(&self) -> Progress {
        Progress {
            step: self.index + 1,
            steps: self.lesson.steps.len(),
        }
    }

    pub fn status(&self) -> StepStatus {
        self.state.status
    }

    /// How the step's run ended, once it has.
    pub fn run_outcome(&self) -> Option<RunOutcome> {
        self.state.outcome
    }

    /// The simulation to draw.
    pub fn sim(&self) -> &Simulation {
        &self.sim
    }

    /// The simulation for the lab's controls (a "try it"). The learner's changes stay in
    /// this step: Next continues from the lesson's own path.
    pub fn sim_mut(&mut self) -> &mut Simulation {
        self.touched = true;
        &mut self.sim
    }

    /// Plays the step for at most `budget_us` of virtual time (the UI passes its speed
    /// times the frame's duration) and says where it stands. Asking, a stopped run and an
    /// achieved goal take no time; while trying, time runs on for the learner.
    pub fn advance(&mut self, budget_us: u64) -> StepStatus {
        match self.state.status {
            StepStatus::Running => self.play(budget_us),
            StepStatus::Trying | StepStatus::Achieved => {
                self.touched = true;
                self.sim.advance_by(budget_us);
                self.check_goal();
            }
            StepStatus::Asking | StepStatus::Reached | StepStatus::TimedOut => {}
        }
        self.state.status
    }

    /// The prediction's state, if the step has one.
    pub fn prediction(&self) -> Option<&PredictionState> {
        self.state.prediction.as_ref()
    }

    /// Answers the prediction with a choice (an index into its choices); the run starts.
    pub fn answer(&mut self, choice: usize) -> Result<(), LessonError> {
        let choices = self.step().predict.as_ref().map_or(0, |p| p.choices.len());
        if self.state.prediction != Some(PredictionState::Asked) {
            return Err(LessonError::NotAsking);
        }
        if choice >= choices {
            return Err(LessonError::ChoiceOutOfRange { choice, choices });
        }
        self.state.prediction = Some(PredictionState::Answered {
            choice: Some(choice),
        });
        self.start_run();
        Ok(())
    }

    /// Runs the step without answering its prediction.
    pub fn skip_prediction(&mut self) -> Result<(), LessonError> {
        if self.state.prediction != Some(PredictionState::Asked) {
            return Err(LessonError::NotAsking);
        }
        self.state.prediction = Some(PredictionState::Answered { choice: None });
        self.start_run();
        Ok(())
    }

    /// The `after` text with this run's numbers, once the run has ended.
    pub fn after_text(&self) -> Option<&str> {
        self.state.after.as_deref()
    }

    /// The step's facts as read when the run ended.
    pub fn facts(&self) -> &BTreeMap<String, Result<Reading, ProbeError>> {
        &self.state.facts
    }

    /// The step's callouts, resolved against the simulation now.
    pub fn callouts(&self) -> Vec<CalloutView<'_>> {
        self.callouts_with(&self.sim.view())
    }

    /// [`Self::callouts`] with the view the UI built for this frame.
    pub fn callouts_with(&self, view: &SimView) -> Vec<CalloutView<'_>> {
        let stopped = !matches!(self.state.status, StepStatus::Asking | StepStatus::Running);
        self.step()
            .callouts
            .iter()
            .map(|c| {
                let target = c.anchor.resolve_in(&self.sim, view);
                let in_phase = match c.show {
                    Show::Start => true,
                    Show::Running => self.state.status == StepStatus::Running,
                    Show::End => stopped,
                };
                CalloutView {
                    text: &c.text,
                    show: c.show,
                    target,
                    visible: target.is_some() && in_phase,
                }
            })
            .collect()
    }

    /// For each callout shown while running: whether its anchor existed at some moment the
    /// run was watched (the tests walk in small pieces and check every one was).
    pub fn seen_while_running(&self) -> &[bool] {
        &self.state.seen_running
    }

    pub fn try_it(&self) -> Option<TryItView<'_>> {
        let try_it = self.step().try_it.as_ref()?;
        Some(TryItView {
            try_it,
            handed_over: matches!(self.state.status, StepStatus::Trying | StepStatus::Achieved),
            achieved: self.state.status == StepStatus::Achieved,
            answer: self.state.answer,
            shown: self.state.shown,
        })
    }

    /// Answers the "try it" question; returns whether the engine says it is right.
    pub fn answer_try_it(&mut self, choice: usize) -> Result<bool, LessonError> {
        let try_it = self.step().try_it.as_ref().ok_or(LessonError::NoTryIt)?;
        let question = try_it.question.as_ref().ok_or(LessonError::NoQuestion)?;
        if choice >= question.choices.len() {
            return Err(LessonError::ChoiceOutOfRange {
                choice,
                choices: question.choices.len(),
            });
        }
        let right = question
            .probe
            .read(&self.probe_context())
            .is_ok_and(|r| question.choices[choice].when.holds(&r));
        self.state.answer = Some(choice);
        self.state.answer_right = right;
        self.check_goal();
        Ok(right)
    }

    /// Applies an action as the learner (or "show me") would.
    pub fn apply(&mut self, action: &Action) -> Result<(), LessonError> {
        if let Action::Answer(choice) = action {
            return self.answer_try_it(*choice).map(|_| ());
        }
        self.touched = true;
        apply(&mut self.sim, action).map_err(LessonError::Action)?;
        self.check_goal();
        Ok(())
    }

    /// "Show me": finishes the run if it still plays, then applies the scripted solution.
    pub fn show_me(&mut self) -> Result<(), LessonError> {
        for action in self.begin_show_me()? {
            self.apply(&action)?;
        }
        Ok(())
    }

    /// "Show me" for a caller that plays the solution itself, one action at a time through
    /// [`Self::apply`] (the browser lets an `advance_s` pass at the step's pace, so the
    /// learner watches it): finishes the run if it still plays, marks the step as shown
    /// and returns the scripted solution.
    pub fn begin_show_me(&mut self) -> Result<Vec<Action>, LessonError> {
        let lesson = self.lesson.clone();
        let Some(try_it) = &lesson.steps[self.index].try_it else {
            return Err(LessonError::NoTryIt);
        };
        if let Some(PredictionState::Asked) = self.state.prediction {
            self.skip_prediction()?;
        }
        if self.state.status == StepStatus::Running {
            self.play(u64::MAX);
        }
        self.state.shown = true;
        Ok(try_it.solution.clone())
    }

    /// Finishes the step's run at once (a prediction still asked is skipped): the same end
    /// as playing it in pieces, for "skip to the end of this step".
    pub fn run_to_end(&mut self) {
        if self.state.status == StepStatus::Asking {
            let _ = self.skip_prediction();
        }
        if self.state.status == StepStatus::Running {
            self.play(u64::MAX);
        }
    }

    /// Exchanges the simulation this session plays with `other`, without counting as a
    /// learner's change. The lab's driver owns the run the page draws and acts on; while a
    /// lesson is open it holds the lesson's simulation, and lends it back to the session
    /// for the length of each call (`lab::session::lesson`).
    pub fn swap_sim(&mut self, other: &mut Simulation) {
        std::mem::swap(&mut self.sim, other);
    }

    /// The learner changed the run through the lab's own controls (which act on the
    /// simulation while the driver holds it): Next then continues from the lesson's path,
    /// not from here.
    pub fn mark_touched(&mut self) {
        self.touched = true;
    }

    /// Checks the "try it" goal now (also done by `advance`); true once achieved.
    pub fn check_goal(&mut self) -> bool {
        if self.state.status == StepStatus::Trying {
            let met = match (&self.step().try_it, &self.state.handover) {
                (Some(t), Some(h)) => t.goal.met(&self.sim, h, self.state.answer_right),
                _ => false,
            };
            if met {
                self.state.status = StepStatus::Achieved;
            }
        }
        self.state.status == StepStatus::Achieved
    }

    /// Moves to the next step; `Ok(false)` at the last one.
    pub fn next_step(&mut self) -> Result<bool, LessonError> {
        if self.index + 1 >= self.lesson.steps.len() {
            return Ok(false);
        }
        let following = self.index + 1;
        if self.entries[following].is_none()
            && !self.lesson.steps[following].starts_run()
            && self.on_canonical_path()
        {
            // Finish this step's run in place: the same end as replaying it.
            if self.state.status == StepStatus::Asking {
                let _ = self.skip_prediction();
            }
            if self.state.status == StepStatus::Running {
                self.play(u64::MAX);
            }
            let continued = (self.sim.clone(), self.state.run_config.clone());
            self.entries[following] = Some(enter(&self.lesson, following, Some(continued))?);
        }
        self.go(following)?;
        Ok(true)
    }

    /// Returns to the previous step as it began; `Ok(false)` at the first one.
    pub fn previous_step(&mut self) -> Result<bool, LessonError> {
        if self.index == 0 {
            return Ok(false);
        }
        self.go(self.index - 1)?;
        Ok(true)
    }

    /// Begins the current step again from its entry state.
    pub fn restart_step(&mut self) -> Result<(), LessonError> {
        self.go(self.index)
    }

    /// Jumps to a step (1-based) on the lesson's path.
    pub fn go_to(&mut self, step: usize) -> Result<(), LessonError> {
        let steps = self.lesson.steps.len();
        if step == 0 || step > steps {
            return Err(LessonError::StepOutOfRange {
                lesson: self.lesson.id.clone(),
                step,
                steps,
            });
        }
        self.go(step - 1)
    }

    fn on_canonical_path(&self) -> bool {
        !self.touched && self.step().try_it.is_none()
    }

    fn go(&mut self, index: usize) -> Result<(), LessonError> {
        let entry = entry_state(&self.lesson, &mut self.entries, index)?;
        self.index = index;
        self.state = StepState::begin(&self.lesson.steps[index], &entry);
        self.sim = entry.sim;
        self.touched = false;
        self.start();
        Ok(())
    }

    /// The step has been entered: ask, run, or (with nothing to run) end at once.
    fn start(&mut self) {
        if self.state.prediction.is_none() {
            self.start_run();
        }
    }

    fn start_run(&mut self) {
        let step = &self.lesson.steps[self.index];
        match &step.run {
            Some(run) => {
                self.state.watch = Some(RunWatch::start(
                    &self.sim,
                    &run.until,
                    run.times.unwrap_or(1),
                    seconds_to_us(run.within_s.unwrap_or(0.0)),
                ));
                self.state.status = StepStatus::Running;
            }
            None => self.finish_run(RunOutcome::Reached),
        }
    }

    fn play(&mut self, budget_us: u64) {
        let Some(watch) = self.state.watch.as_mut() else {
            return;
        };
        let step = &self.lesson.steps[self.index];
        let seen = &mut self.state.seen_running;
        let watching = step
            .callouts
            .iter()
            .zip(seen.iter())
            .any(|(c, seen)| c.show == Show::Running && !seen);
        let outcome = watch.advance(&mut self.sim, budget_us, watching, |sim| {
            if watching {
                note_present(&step.callouts, seen, sim);
            }
        });
        if let Some(outcome) = outcome {
            self.finish_run(outcome);
        }
    }

    /// The run ended: read the facts and the prediction, fill the texts, hand over.
    fn finish_run(&mut self, outcome: RunOutcome) {
        let lesson = self.lesson.clone();
        let step = &lesson.steps[self.index];
        self.state.outcome = Some(outcome);
        let ctx = self.probe_context();
        let facts: BTreeMap<String, Result<Reading, ProbeError>> = step
            .facts
            .iter()
            .map(|(name, probe)| (name.clone(), probe.read(&ctx)))
            .collect();
        let mut prediction_reading = None;
        if let Some(p) = &step.predict {
            let chosen = match self.state.prediction {
                Some(PredictionState::Answered { choice }) => choice,
                _ => None,
            };
            let reading = p.probe.read(&ctx);
            prediction_reading = reading.as_ref().ok().cloned();
            let explanation = render(&p.explanation, prediction_reading.as_ref(), &facts);
            self.state.prediction = Some(PredictionState::Revealed(Reveal {
                chosen,
                correct: reading
                    .as_ref()
                    .map(|r| p.correct_choices(r))
                    .unwrap_or_default(),
                explanation,
                reading: reading.map_err(|e| e.to_string()),
            }));
        }
        self.state.after = step
            .after
            .as_ref()
            .map(|t| render(t, prediction_reading.as_ref(), &facts));
        self.state.facts = facts;
        self.state.status = match (&step.try_it, outcome) {
            (Some(_), _) => {
                self.state.handover = Some(Handover::now(&self.sim));
                StepStatus::Trying
            }
            (None, RunOutcome::Reached) => StepStatus::Reached,
            (None, RunOutcome::TimedOut) => StepStatus::TimedOut,
        };
        self.check_goal();
    }

    fn probe_context(&self) -> ProbeContext<'_> {
        ProbeContext {
            sim: &self.sim,
            run_config: &self.state.run_config,
            next_at_step: self.state.next_at_step,
        }
    }
}

impl StepState {
    fn begin(step: &Step, entry: &Entry) -> Self {
        Self {
            run_config: entry.run_config.clone(),
            next_at_step: next_checkpoint_id(&entry.sim),
            // `start` moves on to Running (or past it) unless a prediction is asked.
            status: StepStatus::Asking,
            watch: None,
            outcome: None,
            prediction: step.predict.as_ref().map(|_| PredictionState::Asked),
            facts: BTreeMap::new(),
            after: None,
            seen_running: vec![false; step.callouts.len()],
            handover: None,
            answer: None,
            answer_right: false,
            shown: false,
        }
    }
}

fn note_present(callouts: &[Callout], seen: &mut [bool], sim: &Simulation) {
    let mut view = None;
    for (c, seen) in callouts.iter().zip(seen.iter_mut()) {
        if c.show == Show::Running && !*seen {
            let view = view.get_or_insert_with(|| sim.view());
            *seen = c.anchor.resolve_in(sim, view).is_some();
        }
    }
}

/// Fills a template from the prediction's reading and the step's facts.
fn render(
    text: &str,
    prediction: Option<&Reading>,
    facts: &BTreeMap<String, Result<Reading, ProbeError>>,
) -> String {
    let Ok(template) = Template::parse(text) else {
        // The reader refused malformed templates; show the text rather than nothing.
        return text.to_string();
    };
    template.render(|name| -> Option<Fact> {
        let (head, tail) = match name.split_once('.') {
            Some((h, t)) => (h, Some(t)),
            None => (name, None),
        };
        if let Some(fact) = facts.get(head) {
            let reading = fact.as_ref().ok()?;
            return match tail {
                Some(field) => reading.get(field).cloned(),
                None => Some(reading.main().clone()),
            };
        }
        prediction?.get(name).cloned()
    })
}

/// The entry state of step `index` on the lesson's path, computed from the nearest earlier
/// step that starts a new run and cached in `entries`.
fn entry_state(
    lesson: &Lesson,
    entries: &mut [Option<Entry>],
    index: usize,
) -> Result<Entry, LessonError> {
    let first = (0..=index)
        .rev()
        .find(|i| entries[*i].is_some() || lesson.steps[*i].starts_run())
        .unwrap_or(0);
    if entries[first].is_none() {
        entries[first] = Some(enter(lesson, first, None)?);
    }
    for i in first..index {
        if entries[i + 1].is_none() {
            let previous = if lesson.steps[i + 1].starts_run() {
                None
            } else {
                let from = entries[i].clone().expect("computed in order");
                Some((canonical_end(lesson, i, from.sim)?, from.run_config))
            };
            entries[i + 1] = Some(enter(lesson, i + 1, previous)?);
        }
    }
    Ok(entries[index].clone().expect("computed above"))
}

fn failed(lesson: &Lesson, index: usize, message: String) -> LessonError {
    LessonError::StepFailed {
        lesson: lesson.id.clone(),
        step: index + 1,
        message,
    }
}

/// Begins step `index`: a new run if the step starts one, otherwise `previous` (the end
/// of the step before, and the config its run started with); then the setup's actions.
fn enter(
    lesson: &Lesson,
    index: usize,
    previous: Option<(Simulation, Config)>,
) -> Result<Entry, LessonError> {
    let step = &lesson.steps[index];
    let (mut sim, run_config) = match previous {
        Some(continued) if !step.starts_run() => continued,
        _ => {
            let config = run_config(lesson, step).map_err(|e| failed(lesson, index, e))?;
            let sim = Simulation::new(config.clone(), None)
                .map_err(|e| failed(lesson, index, e.to_string()))?;
            (sim, config)
        }
    };
    for (k, action) in step.setup_actions().iter().enumerate() {
        apply(&mut sim, action)
            .map_err(|e| failed(lesson, index, format!("setup.actions[{k}]: {e}")))?;
    }
    Ok(Entry { sim, run_config })
}

/// Where step `index` ends on the lesson's path: its run played to the end, then its
/// scripted solution.
fn canonical_end(
    lesson: &Lesson,
    index: usize,
    mut sim: Simulation,
) -> Result<Simulation, LessonError> {
    let step = &lesson.steps[index];
    if let Some(run) = &step.run {
        let mut watch = RunWatch::start(
            &sim,
            &run.until,
            run.times.unwrap_or(1),
            seconds_to_us(run.within_s.unwrap_or(0.0)),
        );
        watch.advance(&mut sim, u64::MAX, false, |_| {});
    }
    if let Some(t) = &step.try_it {
        for (k, action) in t.solution.iter().enumerate() {
            // An answer changes nothing in the run.
            if !matches!(action, Action::Answer(_)) {
                apply(&mut sim, action)
                    .map_err(|e| failed(lesson, index, format!("try_it.solution[{k}]: {e}")))?;
            }
        }
    }
    Ok(sim)
}

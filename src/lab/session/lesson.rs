//! An open lesson inside the session. The lesson's simulation is the run the page shows:
//! the driver holds it, so the pipeline, the dock and every control act on it, and the
//! [`LessonSession`] gets it back for the length of each call ([`Session::with_lesson`];
//! meanwhile the lesson session keeps the run the lab had before, which is dropped when
//! the lesson closes: the lab then goes on from the lesson's picture).
//!
//! Who moves the run:
//! - while the step's run plays, the lesson, at the step's pace (the speed control
//!   shows it and may change it);
//! - while a prediction is asked, or once the run has reached its end, nobody: the
//!   picture holds (Play runs on from there, off the lesson's path);
//! - in a "try it", the lab, as when no lesson is open (slow motion included), and the
//!   lesson checks its goal after every frame and every action; "show me" plays the
//!   scripted solution's actions and lets its waits pass at the step's pace (the lesson
//!   moves the run then, without slow motion).
//!
//! Anything the lab's controls change marks the step as touched, so Next continues from
//! the lesson's own path (`crate::lessons::session`), and the address bar names the
//! lesson and step (`?lesson=ID&step=N`) instead of the settings while a lesson is open.

use super::{Effect, Session};
use crate::engine::report::view::SimView;
use crate::lab::intent::Intent;
use crate::lab::lesson::view::{
    Extra, LessonsView, NextAction, OpenView, PickerEntry, StartScreen,
};
use crate::lab::lesson::{link, next_lesson, LessonIntent, OpenLesson, ShowMe, TOUR};
use crate::lab::url;
use crate::lessons::action::Action;
use crate::lessons::{Catalog, LessonError, LessonSession, StepStatus};
use std::rc::Rc;

/// Where an intent goes.
pub(super) enum Routed {
    /// Handled by the lessons.
    Done(Option<Effect>),
    /// For the lab (`Session::handle_lab`).
    Lab(Intent),
}

/// Whether an intent changes the run (so the step leaves the lesson's path).
fn changes_run(intent: &Intent) -> bool {
    matches!(
        intent,
        Intent::StepMoment
            | Intent::StepTo(_)
            | Intent::StepCheckpoint
            | Intent::SetSeed(_)
            | Intent::ApplyConfig(_)
            | Intent::LoadTrace { .. }
            | Intent::TriggerCheckpoint
            | Intent::CrashJob
            | Intent::CrashSubtask(_)
            | Intent::Rescale(_)
            | Intent::CorruptChunk(_)
            | Intent::LoseChunk(_)
            | Intent::InjectFault(_)
            | Intent::CrashTargetSubtask
            | Intent::RescaleToTarget
            | Intent::CorruptTargetChunk
            | Intent::LoseTargetChunk
    )
}

impl Session {
    /// At open: a lesson link opens its lesson at its step, or says why it cannot; a first
    /// visit that asks for nothing in particular (no settings, no lesson, no presenter
    /// mode) shows the start screen.
    pub(super) fn open_lessons(
        &mut self,
        search: &str,
        intro_seen: bool,
        named_settings: bool,
    ) -> Option<Effect> {
        self.lessons.intro_seen = intro_seen;
        match link::from_query(search) {
            Some(Ok(l)) => self.open_lesson(&l.lesson, l.step, false),
            Some(Err(e)) => {
                self.lessons.problem = Some(link_problem(&e));
                self.lessons.picker = true;
                None
            }
            None => {
                self.lessons.start_screen = !intro_seen && !named_settings && !self.page.presenter;
                None
            }
        }
    }

    /// The open lesson's session, with the driver's simulation lent to it for `f`.
    fn with_lesson<R>(&mut self, f: impl FnOnce(&mut LessonSession) -> R) -> Option<R> {
        let open = self.lessons.open.as_mut()?;
        open.session.swap_sim(self.driver.sim_slot());
        let result = f(&mut open.session);
        open.session.swap_sim(self.driver.sim_slot());
        Some(result)
    }

    fn status(&self) -> Option<StepStatus> {
        self.lessons.open.as_ref().map(|o| o.session.status())
    }

    pub(super) fn route(&mut self, intent: Intent) -> Routed {
        if let Intent::Lesson(i) = intent {
            return Routed::Done(self.lesson_intent(i));
        }
        let Some(status) = self.status() else {
            return Routed::Lab(intent);
        };
        match intent {
            // In a lesson, Reset begins the step again.
            Intent::Reset => {
                return Routed::Done(self.change_step(|l| l.restart_step().map(|()| true)));
            }
            // Play while a prediction is asked: run without answering.
            Intent::Play | Intent::TogglePlay if status == StepStatus::Asking => {
                return Routed::Done(self.lesson_intent(LessonIntent::SkipPrediction));
            }
            // A lesson moves its own run step by step (Back restores a kept clone), past
            // the timeline's keyframes: travelling it would show another run's past.
            Intent::Travel(_) => {
                self.lesson_message(
                    "time travel is off while a lesson is open: Back and Again return to \
                     earlier steps; close the lesson to scrub the run"
                        .into(),
                );
                return Routed::Done(None);
            }
            _ => {}
        }
        if changes_run(&intent) {
            if let Some(open) = self.lessons.open.as_mut() {
                open.session.mark_touched();
            }
        }
        Routed::Lab(intent)
    }

    /// After the lab handled an intent: the goal is checked (an action may have met it),
    /// and the address bar keeps naming the lesson.
    pub(super) fn after_lab(&mut self, effect: Option<Effect>) -> Option<Effect> {
        if self.lessons.open.is_none() {
            return effect;
        }
        self.with_lesson(|l| l.check_goal());
        self.observe_status();
        match effect {
            Some(Effect::ReplaceQuery(_)) => None,
            other => other,
        }
    }

    pub(super) fn lesson_intent(&mut self, intent: LessonIntent) -> Option<Effect> {
        match intent {
            LessonIntent::Open { id, step } => self.open_lesson(&id, step, false),
            LessonIntent::StartTour => {
                self.intro_answered();
                self.open_lesson(TOUR[0], 1, true)
            }
            LessonIntent::JustExplore => {
                self.intro_answered();
                None
            }
            LessonIntent::Close => self.close_lesson(),
            LessonIntent::Next => self.next(),
            LessonIntent::Previous => self.change_step(|l| l.previous_step()),
            LessonIntent::GoTo(step) => self.change_step(|l| l.go_to(step).map(|()| true)),
            LessonIntent::RestartStep => self.change_step(|l| l.restart_step().map(|()| true)),
            LessonIntent::Answer(choice) => {
                let result = self.with_lesson(|l| l.answer(choice));
                self.after_answer(result);
                None
            }
            LessonIntent::SkipPrediction => {
                let result = self.with_lesson(|l| l.skip_prediction());
                self.after_answer(result);
                None
            }
            LessonIntent::RunToEnd => {
                self.with_lesson(|l| l.run_to_end());
                self.observe_status();
                None
            }
            LessonIntent::AnswerTryIt(choice) => {
                match self.with_lesson(|l| l.answer_try_it(choice)) {
                    Some(Ok(right)) => {
                        if let Some(open) = self.lessons.open.as_mut() {
                            open.try_answer_right = Some(right);
                        }
                    }
                    Some(Err(e)) => self.lesson_message(e.to_string()),
                    None => {}
                }
                self.observe_status();
                None
            }
            LessonIntent::ShowMe => {
                match self.with_lesson(|l| l.begin_show_me()) {
                    Some(Ok(actions)) => {
                        if let Some(open) = self.lessons.open.as_mut() {
                            open.show_me = Some(ShowMe {
                                actions: actions.into(),
                                wait_until_us: None,
                            });
                            open.message = None;
                        }
                        self.observe_status();
                        self.set_playing(true);
                        self.play_show_me();
                    }
                    Some(Err(e)) => self.lesson_message(e.to_string()),
                    None => {}
                }
                None
            }
            LessonIntent::TogglePicker => {
                self.lessons.picker = !self.lessons.picker;
                if !self.lessons.picker {
                    self.lessons.problem = None;
                }
                None
            }
            LessonIntent::Measure => {
                self.lessons.measuring = true;
                None
            }
        }
    }

    fn intro_answered(&mut self) {
        self.lessons.start_screen = false;
        if !self.lessons.intro_seen {
            self.lessons.intro_seen = true;
            self.page.prefs_dirty = true;
        }
    }

    fn after_answer(&mut self, result: Option<Result<(), LessonError>>) {
        if let Some(Err(e)) = result {
            self.lesson_message(e.to_string());
        }
        self.set_playing(true);
        self.observe_status();
    }

    fn lesson_message(&mut self, message: String) {
        if let Some(open) = self.lessons.open.as_mut() {
            open.message = Some(message);
        }
    }

    /// Opens a lesson at a step; its simulation becomes the page's run.
    fn open_lesson(&mut self, id: &str, step: usize, tour: bool) -> Option<Effect> {
        match LessonSession::open(id, step) {
            Ok(mut session) => {
                session.swap_sim(self.driver.sim_slot());
                self.lessons.open = Some(OpenLesson::new(session, tour));
                self.lessons.picker = false;
                self.lessons.problem = None;
                self.lessons.start_screen = false;
                self.step_changed()
            }
            Err(e) => {
                self.lessons.problem = Some(e.to_string());
                self.lessons.picker = true;
                None
            }
        }
    }

    /// Closes the lesson; the page goes on with its run, paused at 1×, and the address
    /// bar names the run's settings again.
    fn close_lesson(&mut self) -> Option<Effect> {
        self.lessons.open.take()?;
        // The lab goes on from the lesson's run; its timeline starts at this moment.
        self.driver.replaced();
        self.set_playing(false);
        self.set_speed(1.0);
        Some(Effect::ReplaceQuery(url::to_query(self.driver.config())))
    }

    fn next(&mut self) -> Option<Effect> {
        let open = self.lessons.open.as_ref()?;
        let progress = open.session.progress();
        if progress.step < progress.steps {
            return self.change_step(|l| l.next_step());
        }
        match next_lesson(&open.session.lesson().id, open.tour) {
            Some((id, tour)) => self.open_lesson(&id, 1, tour),
            None => {
                let effect = self.close_lesson();
                self.lessons.picker = true;
                effect
            }
        }
    }

    /// Moves the open lesson to a step with `f` (which says whether a step began: Previous
    /// at the first step does not); the page shows the step's entry state.
    fn change_step(
        &mut self,
        f: impl FnOnce(&mut LessonSession) -> Result<bool, LessonError>,
    ) -> Option<Effect> {
        match self.with_lesson(f)? {
            Ok(false) => None,
            Ok(true) => self.step_changed(),
            Err(e) => {
                self.lesson_message(e.to_string());
                self.page.notice = Some(e.to_string());
                None
            }
        }
    }

    /// A step began: the page forgets the old picture, plays at the step's pace, and the
    /// address bar names the step.
    fn step_changed(&mut self) -> Option<Effect> {
        self.driver.replaced();
        self.after_new_run();
        let now = self.driver.sim().now_us();
        let digest = self.driver.sim().digest();
        let now_ms = (self.clock)();
        let open = self.lessons.open.as_mut()?;
        let pace = open.session.step().pace();
        let status = open.session.status();
        open.entry_digest = digest;
        open.end_digest = None;
        open.seen_status = status;
        open.handed_over_at_ms = None;
        open.show_me = None;
        open.tab_shown_for = None;
        open.try_answer_right = None;
        open.message = None;
        match status {
            // A step with nothing to run has ended as it began.
            StepStatus::Reached | StepStatus::TimedOut => open.end_digest = Some(digest),
            StepStatus::Trying | StepStatus::Achieved => {
                open.end_digest = Some(digest);
                open.handed_over_at_ms = Some(now_ms);
            }
            StepStatus::Asking | StepStatus::Running => {}
        }
        let query = link::to_query(&open.session.lesson().id, open.session.progress().step);
        self.pacer.set_speed(pace, now);
        self.page.playing = matches!(status, StepStatus::Running | StepStatus::Trying);
        Some(Effect::ReplaceQuery(query))
    }

    /// Notices that the step's run ended (the picture then holds, paused) or handed the
    /// controls over (the hint's clock starts).
    fn observe_status(&mut self) {
        let now_ms = (self.clock)();
        let Some(open) = self.lessons.open.as_mut() else {
            return;
        };
        let status = open.session.status();
        if status == open.seen_status {
            return;
        }
        let ended = matches!(open.seen_status, StepStatus::Asking | StepStatus::Running);
        open.seen_status = status;
        match status {
            StepStatus::Reached | StepStatus::TimedOut => {
                open.end_digest = Some(self.driver.sim().digest());
                self.page.playing = false;
            }
            StepStatus::Trying if ended => {
                open.end_digest = Some(self.driver.sim().digest());
                open.handed_over_at_ms = Some(now_ms);
            }
            _ => {}
        }
    }

    /// The lesson's part of a frame, before the lab's: returns whether the lesson decided
    /// what the run does this frame (the lab's own frame work is skipped then).
    pub(super) fn lesson_frame(&mut self, dt_ms: f64) -> bool {
        if self.lessons.estimates_pending() {
            self.lessons.measure_one();
        }
        let Some(status) = self.status() else {
            return false;
        };
        if self.driver.goal().is_some() {
            // A step (., 1–6) the person asked for: the lab works on it.
            return false;
        }
        let showing = self
            .lessons
            .open
            .as_ref()
            .is_some_and(|o| o.show_me.is_some());
        match status {
            StepStatus::Running => {
                if self.page.playing {
                    self.lesson_plays(dt_ms);
                    self.observe_status();
                }
                true
            }
            // "Show me" lets its waits pass at the step's pace, without slow motion's
            // stretching of every checkpoint and restore: a solution is shown, not
            // studied moment by moment (a crash and a dozen checkpoints would take minutes).
            StepStatus::Trying | StepStatus::Achieved if showing && self.page.playing => {
                self.lesson_plays(dt_ms);
                true
            }
            StepStatus::Asking => true,
            StepStatus::Reached | StepStatus::TimedOut => {
                if self.page.playing {
                    // Played on past the step's end: the person's own run now.
                    if let Some(open) = self.lessons.open.as_mut() {
                        open.session.mark_touched();
                    }
                    false
                } else {
                    true
                }
            }
            StepStatus::Trying | StepStatus::Achieved => false,
        }
    }

    /// The lesson moves the run for one frame of `dt_ms` at the speed shown (the step's
    /// pace unless the person changed it).
    fn lesson_plays(&mut self, dt_ms: f64) {
        let speed = self.pacer.speed();
        let planned = speed * dt_ms * 1000.0;
        let before = self.driver.sim().now_us();
        self.with_lesson(|l| l.advance(planned.round() as u64));
        let now = self.driver.sim().now_us();
        self.pacer.reached(before, now, dt_ms, planned, speed);
    }

    /// After the lab's frame work, in a "try it": the goal is checked and "show me" goes
    /// on.
    pub(super) fn lesson_after_frame(&mut self) {
        if !matches!(
            self.status(),
            Some(StepStatus::Trying | StepStatus::Achieved)
        ) {
            return;
        }
        if self.page.playing {
            if let Some(open) = self.lessons.open.as_mut() {
                open.session.mark_touched();
            }
        }
        self.with_lesson(|l| l.check_goal());
        self.play_show_me();
        self.observe_status();
    }

    /// Applies the solution's actions up to its next wait (an `advance_s`, which the
    /// frames play), or to its end.
    fn play_show_me(&mut self) {
        loop {
            let now = self.driver.sim().now_us();
            let action = {
                let Some(open) = self.lessons.open.as_mut() else {
                    return;
                };
                let Some(show) = open.show_me.as_mut() else {
                    return;
                };
                if show.wait_until_us.is_some_and(|until| now < until) {
                    return;
                }
                show.wait_until_us = None;
                match show.actions.pop_front() {
                    Some(Action::AdvanceS(s)) => {
                        show.wait_until_us =
                            Some(now.saturating_add((s.max(0.0) * 1e6).round() as u64));
                        None
                    }
                    Some(action) => Some(action),
                    None => {
                        open.show_me = None;
                        return;
                    }
                }
            };
            let Some(action) = action else {
                // A wait: the frames let it pass, playing.
                self.set_playing(true);
                return;
            };
            let result = match action {
                Action::Answer(choice) => match self.with_lesson(|l| l.answer_try_it(choice)) {
                    Some(Ok(right)) => {
                        if let Some(open) = self.lessons.open.as_mut() {
                            open.try_answer_right = Some(right);
                        }
                        Ok(())
                    }
                    Some(Err(e)) => Err(e),
                    None => Ok(()),
                },
                other => self.with_lesson(|l| l.apply(&other)).unwrap_or(Ok(())),
            };
            if let Err(e) = result {
                self.lesson_message(format!("show me: {e}"));
                if let Some(open) = self.lessons.open.as_mut() {
                    open.show_me = None;
                }
                return;
            }
        }
    }

    /// Whether the lessons want animation frames.
    pub(super) fn lessons_busy(&self) -> bool {
        if self.lessons.estimates_pending() {
            return true;
        }
        let Some(open) = &self.lessons.open else {
            return false;
        };
        (open.session.status() == StepStatus::Running && self.page.playing)
            || open.show_me.is_some()
    }

    /// The lessons' part of the picture; the dock shows the tab of a callout drawn there
    /// once per step and phase (the person may switch away).
    pub(super) fn publish_lessons(&mut self, view: &SimView) -> Rc<LessonsView> {
        let catalog = Catalog::builtin().ok();
        let lessons = catalog.map_or(0, |c| c.lessons().len());
        let mut open_view = None;
        if let Some(open) = self.lessons.open.as_ref() {
            let id = open.session.lesson().id.clone();
            let progress = open.session.progress();
            let next = if progress.step < progress.steps {
                NextAction::Step
            } else {
                match next_lesson(&id, open.tour) {
                    Some((next_id, tour)) => NextAction::Lesson {
                        title: catalog
                            .and_then(|c| c.get(&next_id))
                            .map_or_else(String::new, |l| l.title.clone()),
                        id: next_id,
                        tour,
                    },
                    None => NextAction::Finish,
                }
            };
            let extra = Extra {
                number: catalog
                    .and_then(|c| c.lessons().iter().position(|l| l.id == id))
                    .map_or(0, |i| i + 1),
                lessons,
                entry_digest: open.entry_digest,
                end_digest: open.end_digest,
                hint_at_ms: open
                    .handed_over_at_ms
                    .zip(open.session.step().try_it.as_ref())
                    .map(|(at, t)| at + t.hint.after_s * 1000.0),
                showing: open.show_me.is_some(),
                try_answer_right: open.try_answer_right,
                next,
                message: open.message.clone(),
                tour: open.tour,
            };
            open_view = self.with_lesson(|l| OpenView::build(l, view, extra));
        }
        if let (Some(v), Some(open)) = (&open_view, self.lessons.open.as_mut()) {
            let key = (v.step, v.status);
            if open.tab_shown_for != Some(key) {
                if let Some(tab) = v.dock_tab_wanted() {
                    open.tab_shown_for = Some(key);
                    // Not a preference: the person's own choice of tab is what is kept.
                    self.page.dock_tab = tab;
                }
            }
        }
        let picker = self.lessons.picker.then(|| {
            let current = self
                .lessons
                .open
                .as_ref()
                .map(|o| o.session.lesson().id.clone());
            catalog.map_or_else(Vec::new, |c| {
                c.summaries()
                    .into_iter()
                    .enumerate()
                    .map(|(i, s)| PickerEntry {
                        in_tour: TOUR.contains(&s.id.as_str()),
                        current: current.as_deref() == Some(s.id.as_str()),
                        minutes: self.lessons.estimate_of(i).map(|e| e.minutes()),
                        number: s.number,
                        id: s.id,
                        title: s.title,
                        summary: s.summary,
                        steps: s.steps,
                    })
                    .collect()
            })
        });
        let start = self.lessons.start_screen.then(|| {
            let tour: Vec<(String, Option<f64>)> = TOUR
                .iter()
                .map(|id| {
                    let i = catalog.and_then(|c| c.lessons().iter().position(|l| l.id == *id));
                    let title = i
                        .and_then(|i| catalog.map(|c| c.lessons()[i].title.clone()))
                        .unwrap_or_else(|| id.to_string());
                    (
                        title,
                        i.and_then(|i| self.lessons.estimate_of(i))
                            .map(|e| e.total_s()),
                    )
                })
                .collect();
            let measured: Option<f64> = tour.iter().map(|(_, s)| *s).sum();
            StartScreen {
                tour: tour.into_iter().map(|(t, _)| t).collect(),
                tour_minutes: measured.map(|s| ((s / 60.0).round() as u32).max(1)),
                lessons,
            }
        });
        let published = LessonsView {
            open: open_view,
            picker,
            start,
            problem: self.lessons.problem.clone(),
        };
        match &self.lessons.last {
            Some(last) if **last == published => last.clone(),
            _ => {
                let published = Rc::new(published);
                self.lessons.last = Some(published.clone());
                published
            }
        }
    }
}

/// A lesson link that cannot be opened, in words, with what to do instead.
fn link_problem(e: &LessonError) -> String {
    format!("The link asks for a lesson that cannot be opened: {e}. Pick one below.")
}

#[cfg(test)]
mod tests;

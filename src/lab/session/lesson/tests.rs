//! A lesson inside the session: links, the start screen, stepping, predictions answered
//! with the run's numbers, Previous restoring the exact state, and the lab's controls
//! acting on the lesson's run.

use std::cell::Cell;
use std::rc::Rc;

use super::*;
use crate::lab::lesson::view::PredictionStage;

const ADDRESS: &str = "http://lab.test/";

fn open_with(search: &str, prefs: &str) -> (Session, Option<Effect>, Rc<Cell<f64>>) {
    let now = Rc::new(Cell::new(0.0));
    let clock = {
        let now = now.clone();
        Box::new(move || now.get())
    };
    let (session, effect) = Session::open(search, ADDRESS.into(), false, prefs, clock);
    (session, effect, now)
}

fn open(search: &str) -> Session {
    open_with(search, "").0
}

/// Frames of 16 ms until the session wants none (bounded).
fn frames_until_idle(s: &mut Session, ts: &mut f64) {
    for _ in 0..200_000 {
        if !s.busy() {
            return;
        }
        *ts += 16.0;
        s.frame(*ts);
    }
    panic!("still busy");
}

fn lesson(s: &mut Session) -> OpenView {
    s.publish().lessons.open.clone().expect("a lesson is open")
}

#[test]
fn a_first_visit_offers_the_start_screen_and_remembers_the_answer() {
    let mut s = open("");
    let view = s.publish();
    let start = view.lessons.start.clone().expect("the start screen");
    assert_eq!(start.tour.len(), TOUR.len());
    assert_eq!(start.lessons, Catalog::builtin().unwrap().lessons().len());
    assert!(view.lessons.open.is_none());

    s.handle(Intent::Lesson(LessonIntent::JustExplore));
    assert!(s.publish().lessons.start.is_none());
    let prefs = s.take_prefs().expect("the answer is remembered");
    assert!(prefs.contains("intro=1"), "{prefs}");

    // A second visit, or a link with settings, goes straight to the lab.
    assert!(open_with("", &prefs).0.publish().lessons.start.is_none());
    assert!(open("?seed=7").publish().lessons.start.is_none());
}

#[test]
fn start_here_opens_the_tour_and_names_the_step_in_the_address_bar() {
    let mut s = open("");
    let effect = s.handle(Intent::Lesson(LessonIntent::StartTour));
    assert_eq!(
        effect,
        Some(Effect::ReplaceQuery(link::to_query(TOUR[0], 1)))
    );
    let v = lesson(&mut s);
    assert_eq!((v.id.as_str(), v.step, v.tour), (TOUR[0], 1, true));
    assert!(s.publish().lessons.start.is_none());
}

#[test]
fn a_link_opens_its_step_and_a_bad_one_is_named() {
    let (mut s, effect, _) = open_with("?lesson=a-checkpoint&step=2", "");
    assert_eq!(
        effect,
        Some(Effect::ReplaceQuery(link::to_query("a-checkpoint", 2)))
    );
    let v = lesson(&mut s);
    assert_eq!((v.id.as_str(), v.step, v.steps), ("a-checkpoint", 2, 6));
    assert_eq!(v.step_title, "The barrier reaches a subtask");

    let mut bad = open("?lesson=nope&step=2");
    let view = bad.publish();
    assert!(view.lessons.open.is_none());
    let problem = view.lessons.problem.clone().expect("named");
    assert!(problem.contains("`nope`"), "{problem}");
    assert!(
        view.lessons.picker.is_some(),
        "with the lessons to pick from"
    );
    assert!(view.lessons.start.is_none());
}

#[test]
fn a_prediction_is_answered_then_explained_with_the_runs_numbers() {
    let mut s = open("?lesson=a-checkpoint&step=4");
    let v = lesson(&mut s);
    assert_eq!(v.status, StepStatus::Asking);
    let p = v.prediction.expect("step 4 asks");
    assert_eq!(p.stage, PredictionStage::Asked);
    assert!(p.choices.len() >= 2);
    assert!(!s.busy(), "nothing runs while the question is asked");

    s.handle(Intent::Lesson(LessonIntent::Answer(0)));
    let v = lesson(&mut s);
    assert_eq!(v.status, StepStatus::Running);
    assert!(v.prediction.as_ref().unwrap().choices[0].chosen);
    let mut ts = 0.0;
    frames_until_idle(&mut s, &mut ts);
    let v = lesson(&mut s);
    assert_eq!(v.status, StepStatus::Reached, "{:?}", v.outcome);
    let p = v.prediction.unwrap();
    let PredictionStage::Revealed {
        explanation, right, ..
    } = &p.stage
    else {
        panic!("revealed: {:?}", p.stage);
    };
    assert!(p.choices.iter().any(|c| c.correct));
    assert_eq!(*right, Some(p.choices[0].correct));
    assert!(
        explanation.chars().any(|c| c.is_ascii_digit()),
        "{explanation}"
    );
    assert!(!s.publish().playing, "the picture holds at the step's end");
    assert_eq!(v.end_digest, Some(s.driver().sim().digest()));
}

#[test]
fn next_and_previous_move_between_steps_and_previous_restores_the_exact_state() {
    let mut s = open("?lesson=a-checkpoint&step=1");
    let mut ts = 0.0;
    let first = lesson(&mut s);
    assert_eq!(first.entry_digest, s.driver().sim().digest());
    frames_until_idle(&mut s, &mut ts);
    let effect = s.handle(Intent::Lesson(LessonIntent::Next));
    assert_eq!(
        effect,
        Some(Effect::ReplaceQuery(link::to_query("a-checkpoint", 2)))
    );
    let second = lesson(&mut s);
    assert_eq!(second.step, 2);
    frames_until_idle(&mut s, &mut ts);
    assert_ne!(
        s.driver().sim().digest(),
        second.entry_digest,
        "the run moved"
    );

    s.handle(Intent::Lesson(LessonIntent::Previous));
    let back = lesson(&mut s);
    assert_eq!(back.step, 1);
    assert_eq!(back.entry_digest, first.entry_digest);
    assert_eq!(s.driver().sim().digest(), first.entry_digest);
    // Previous at the first step stays.
    assert_eq!(s.handle(Intent::Lesson(LessonIntent::Previous)), None);
    assert_eq!(lesson(&mut s).step, 1);
}

#[test]
fn reset_begins_the_step_again_and_play_while_asked_runs_without_an_answer() {
    let mut s = open("?lesson=a-checkpoint&step=4");
    let entry = lesson(&mut s).entry_digest;
    s.handle(Intent::TogglePlay);
    let v = lesson(&mut s);
    assert_eq!(v.status, StepStatus::Running);
    assert!(v.prediction.unwrap().choices.iter().all(|c| !c.chosen));
    let mut ts = 0.0;
    for _ in 0..5 {
        ts += 16.0;
        s.frame(ts);
    }
    s.handle(Intent::Reset);
    let v = lesson(&mut s);
    assert_eq!(v.status, StepStatus::Asking);
    assert_eq!(s.driver().sim().digest(), entry);
}

#[test]
fn the_lab_acts_on_the_lessons_run_and_closing_keeps_it() {
    let mut s = open("?lesson=a-checkpoint&step=1");
    let mut ts = 0.0;
    frames_until_idle(&mut s, &mut ts);
    let at = s.driver().sim().now_us();
    let digest = s.driver().sim().digest();
    // The run shown is the lesson's: its virtual time is where the lesson's step ended.
    assert_eq!(lesson(&mut s).end_digest, Some(digest));
    // Time travel is refused while the lesson moves its own run, and changes nothing.
    s.handle(Intent::Travel(crate::lab::travel::TravelIntent::StepBack));
    assert_eq!(s.driver().sim().digest(), digest);
    assert!(lesson(&mut s)
        .message
        .is_some_and(|m| m.starts_with("time travel is off while a lesson is open")));
    let effect = s.handle(Intent::Lesson(LessonIntent::Close));
    assert!(matches!(effect, Some(Effect::ReplaceQuery(q)) if q.contains("seed=")));
    // The timeline starts where the lesson left the run: its past is not the old run's.
    assert_eq!(s.publish().timeline.head_us, at);
    assert!(s.publish().lessons.open.is_none());
    assert_eq!(
        s.driver().sim().now_us(),
        at,
        "the lab goes on from the lesson's picture"
    );
}

#[test]
fn at_the_last_step_next_opens_the_next_lesson() {
    let mut s = open("?lesson=where-a-key-goes");
    let steps = lesson(&mut s).steps;
    s.handle(Intent::Lesson(LessonIntent::GoTo(steps)));
    let v = lesson(&mut s);
    assert_eq!(v.step, steps);
    let NextAction::Lesson { id, .. } = v.next.clone() else {
        panic!("{:?}", v.next);
    };
    s.handle(Intent::Lesson(LessonIntent::Next));
    let v = lesson(&mut s);
    assert_eq!((v.id, v.step), (id, 1));
}

#[test]
fn skip_to_the_end_reaches_the_steps_end_at_once_and_holds_it() {
    let mut s = open("?lesson=a-checkpoint&step=2");
    assert_eq!(lesson(&mut s).status, StepStatus::Running);
    s.handle(Intent::Lesson(LessonIntent::RunToEnd));
    let v = lesson(&mut s);
    assert_eq!(v.status, StepStatus::Reached, "{:?}", v.outcome);
    assert_eq!(v.end_digest, Some(s.driver().sim().digest()));
    assert!(!s.publish().playing, "the picture holds");
    let mut ts = 0.0;
    for _ in 0..10 {
        ts += 16.0;
        s.frame(ts);
    }
    assert_eq!(lesson(&mut s).end_digest, Some(s.driver().sim().digest()));
}

#[test]
fn again_replays_the_step_to_its_end_whatever_the_frames() {
    for dt in [7.0, 16.0, 16.7, 33.3, 50.0] {
        let mut s = open("?lesson=a-checkpoint&step=2");
        let mut ts = 0.0;
        frames_until_idle(&mut s, &mut ts);
        let end = lesson(&mut s).end_digest;
        s.handle(Intent::Lesson(LessonIntent::RestartStep));
        assert_eq!(lesson(&mut s).status, StepStatus::Running);
        let mut frames = 0;
        while s.busy() && frames < 10_000 {
            ts += dt;
            s.frame(ts);
            s.publish();
            frames += 1;
        }
        let v = lesson(&mut s);
        assert_eq!(
            v.status,
            StepStatus::Reached,
            "dt {dt}: {frames} frames, at {}",
            s.driver().sim().now_us()
        );
        assert_eq!(v.end_digest, end, "dt {dt}: the same end");
    }
}

#[test]
fn show_me_plays_every_try_its_solution_in_the_page_to_its_goal() {
    for (id, step) in [
        ("compression", 4),
        ("when-to-checkpoint", 5),
        ("rescaling", 4),
        ("when-checkpoints-fail", 5),
    ] {
        // Slow motion on and a clock that moves with the frames, as in a browser: the
        // solution still plays at the step's pace, so it ends within seconds.
        let (mut s, _, clock) = open_with(&format!("?lesson={id}&step={step}"), "slowmo=1");
        let mut ts = 0.0;
        s.handle(Intent::Lesson(LessonIntent::RunToEnd));
        assert_eq!(lesson_status(&mut s), StepStatus::Trying, "{id}");
        s.handle(Intent::Lesson(LessonIntent::ShowMe));
        for _ in 0..1_500 {
            if lesson_status(&mut s) == StepStatus::Achieved
                && !lesson(&mut s).try_it.unwrap().showing
            {
                break;
            }
            ts += 16.0;
            clock.set(ts);
            s.frame(ts);
        }
        let v = lesson(&mut s);
        assert_eq!(
            v.status,
            StepStatus::Achieved,
            "{id} step {step}: {:?} at {} µs",
            v.message,
            s.driver().sim().now_us()
        );
    }
}

fn lesson_status(s: &mut Session) -> StepStatus {
    lesson(s).status
}

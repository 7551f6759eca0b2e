//! Every lesson plays as written on the current engine. Table-driven: one test per lesson
//! walks it step by step the way the UI does (the run in small pieces, predictions
//! answered, "show me" for each "try it") and checks each step's promises; then opening
//! any step directly (`?lesson=ID&step=N`) must give the state walking gave, and Previous
//! must restore it. A lesson that rots when the engine changes fails here.
//!
//! `cargo test --test lessons print_lessons -- --ignored --nocapture` prints every step's
//! texts with this run's numbers, for whoever writes or reviews a lesson.

use statelab::lessons::catalog::read_lesson;
use statelab::lessons::format::Show;
use statelab::lessons::prediction::PredictionState;
use statelab::lessons::{Catalog, LessonError, LessonSession, StepStatus};

fn catalog() -> &'static Catalog {
    Catalog::builtin().unwrap_or_else(|e| panic!("the lessons do not load:\n{e}"))
}

/// Virtual time per `advance` call: small, so passing things (a barrier in a channel, a
/// chunk on the link) are seen, as a frame would.
const SLICE_US: u64 = 5_000;

/// Walks a lesson from its first step to its last and checks every step; returns the
/// digest of each step's entry state.
fn walk(id: &str) -> Vec<u64> {
    let mut s = LessonSession::open(id, 1).unwrap_or_else(|e| panic!("{e}"));
    let mut entry_digests = Vec::new();
    loop {
        let n = s.progress().step;
        let here = format!("{id} step {n} (“{}”)", s.step().title);
        entry_digests.push(s.sim().digest());
        for (k, c) in s.callouts().iter().enumerate() {
            if c.show == Show::Start {
                assert!(
                    c.target.is_some(),
                    "{here}: callout {k} ({:?}) has no anchor at the start",
                    c.text
                );
            }
        }
        if s.status() == StepStatus::Asking {
            s.answer(0).unwrap();
        }
        let mut slices = 0u64;
        while s.status() == StepStatus::Running {
            s.advance(SLICE_US);
            slices += 1;
            assert!(slices < 100_000, "{here}: the run never ends");
        }
        let run = s.step().run.clone();
        if let Some(run) = &run {
            match s.run_outcome() {
                Some(statelab::lessons::condition::RunOutcome::Reached) => {}
                Some(statelab::lessons::condition::RunOutcome::TimedOut) => assert!(
                    run.may_time_out,
                    "{here}: {:?} was not reached within {:?} s",
                    run.until, run.within_s
                ),
                None => panic!("{here}: the run has no outcome"),
            }
        }
        for (k, c) in s.callouts().iter().enumerate() {
            match c.show {
                Show::End => assert!(
                    c.target.is_some() && c.visible,
                    "{here}: callout {k} ({:?}) has no anchor when the run stops",
                    c.text
                ),
                Show::Running => assert!(
                    s.seen_while_running()[k],
                    "{here}: callout {k} ({:?}) never had its anchor while the run played",
                    c.text
                ),
                Show::Start => {}
            }
        }
        for (name, fact) in s.facts() {
            assert!(fact.is_ok(), "{here}: fact `{name}`: {:?}", fact);
        }
        if let Some(after) = s.after_text() {
            assert!(
                !after.contains("?}"),
                "{here}: after text with an unfilled placeholder: {after}"
            );
        }
        if let Some(p) = s.step().predict.clone() {
            let Some(PredictionState::Revealed(reveal)) = s.prediction() else {
                panic!("{here}: the prediction was not revealed");
            };
            assert!(
                reveal.reading.is_ok(),
                "{here}: the probe did not answer: {:?}",
                reveal.reading
            );
            let expected: Vec<usize> = p
                .choices
                .iter()
                .enumerate()
                .filter(|(_, c)| c.expected)
                .map(|(i, _)| i)
                .collect();
            assert_eq!(
                reveal.correct, expected,
                "{here}: the engine makes choices {:?} correct, the lesson expects {:?}; reading {:?}",
                reveal.correct, expected, reveal.reading
            );
            assert!(
                !reveal.explanation.contains("?}"),
                "{here}: {}",
                reveal.explanation
            );
        }
        if s.step().try_it.is_some() {
            assert_eq!(
                s.status(),
                StepStatus::Trying,
                "{here}: the goal is already met when the learner gets the controls"
            );
            s.show_me()
                .unwrap_or_else(|e| panic!("{here}: show me: {e}"));
            assert_eq!(
                s.status(),
                StepStatus::Achieved,
                "{here}: the scripted solution does not reach the goal"
            );
        }
        if !s
            .next_step()
            .unwrap_or_else(|e| panic!("{here}: next: {e}"))
        {
            break;
        }
    }
    // Previous restores each step exactly as it began.
    for expected in entry_digests.iter().rev().skip(1) {
        assert!(s.previous_step().unwrap());
        assert_eq!(
            s.sim().digest(),
            *expected,
            "{id}: Previous to step {} did not restore its state",
            s.progress().step
        );
    }
    entry_digests
}

/// Opening any step directly gives the state walking to it gave.
fn deep_links_match(id: &str, entry_digests: &[u64]) {
    for (i, expected) in entry_digests.iter().enumerate() {
        let s = LessonSession::open(id, i + 1).unwrap();
        assert_eq!(
            s.sim().digest(),
            *expected,
            "{id}: ?step={} does not open the state walking there gives",
            i + 1
        );
    }
}

fn check_lesson(id: &str) {
    let digests = walk(id);
    deep_links_match(id, &digests);
}

macro_rules! lesson_tests {
    ($($name:ident => $id:literal),* $(,)?) => {
        $(#[test] fn $name() { check_lesson($id); })*
        const TESTED: &[&str] = &[$($id),*];
    };
}

lesson_tests! {
    lesson_01_where_a_key_goes => "where-a-key-goes",
    lesson_02_a_checkpoint => "a-checkpoint",
    lesson_03_compression => "compression",
    lesson_04_incremental => "incremental",
    lesson_05_when_to_checkpoint => "when-to-checkpoint",
    lesson_06_crash_and_recovery => "crash-and-recovery",
    lesson_07_rescaling => "rescaling",
    lesson_08_when_checkpoints_fail => "when-checkpoints-fail",
    lesson_09_a_damaged_store => "a-damaged-store",
}

#[test]
fn every_lesson_has_a_test() {
    let ids = catalog().ids();
    for id in &ids {
        assert!(
            TESTED.contains(&id.as_str()),
            "lesson `{id}` has no test in lesson_tests!"
        );
    }
}

/// The built-in lessons, or the drafts in `STATELAB_LESSONS_DIR` (every `*.json` there, in
/// name order), so an author can iterate on a lesson without rebuilding the library.
fn lessons_to_print() -> Catalog {
    let Some(dir) = std::env::var_os("STATELAB_LESSONS_DIR") else {
        return catalog().clone();
    };
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("STATELAB_LESSONS_DIR is a directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    Catalog::read(&refs).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
#[ignore = "prints the lessons' texts for authors"]
fn print_lessons() {
    let catalog = lessons_to_print();
    let only = std::env::var("STATELAB_LESSON").ok();
    for lesson in catalog.lessons() {
        if only.as_ref().is_some_and(|id| *id != lesson.id) {
            continue;
        }
        println!("\n# {} ({})", lesson.title, lesson.id);
        let mut s =
            LessonSession::open_in(&catalog, &lesson.id, 1).unwrap_or_else(|e| panic!("{e}"));
        loop {
            println!("\n## {}. {}", s.progress().step, s.step().title);
            println!("{}", s.step().narration);
            if let Some(p) = &s.step().predict {
                println!("Q: {}", p.question);
            }
            if s.status() == StepStatus::Asking {
                s.skip_prediction().unwrap();
            }
            while s.status() == StepStatus::Running {
                s.advance(u64::MAX);
            }
            println!(
                "[{:?} at {:.3} s]",
                s.run_outcome(),
                s.sim().now_us() as f64 / 1e6
            );
            for c in s.callouts() {
                println!("  callout {:?} {:?}: {}", c.show, c.target, c.text);
            }
            if let Some(PredictionState::Revealed(r)) = s.prediction() {
                println!("A: correct {:?}: {}", r.correct, r.explanation);
            }
            if let Some(a) = s.after_text() {
                println!("After: {a}");
            }
            for (name, f) in s.facts() {
                if let Err(e) = f {
                    println!("fact {name}: {e}");
                }
            }
            if let Some(t) = s.try_it() {
                println!("Try it: {} (handed over: {:?})", t.try_it.task, s.status());
                if let Err(e) = s.show_me() {
                    println!("  show me failed: {e}");
                }
                println!("  show me -> {:?}", s.status());
            }
            match s.next_step() {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    println!("NEXT FAILED: {e}");
                    break;
                }
            }
        }
    }
}

#[test]
fn deep_links_name_what_is_wrong() {
    let e = LessonSession::open("no-such-lesson", 1).unwrap_err();
    assert!(matches!(e, LessonError::UnknownLesson { .. }));
    assert!(e.to_string().contains("no lesson `no-such-lesson`"));
    assert!(e.to_string().contains("where-a-key-goes"), "{e}");
    let steps = catalog().get("where-a-key-goes").unwrap().steps.len();
    for bad in [0, steps + 1] {
        let e = LessonSession::open("where-a-key-goes", bad).unwrap_err();
        assert_eq!(
            e,
            LessonError::StepOutOfRange {
                lesson: "where-a-key-goes".into(),
                step: bad,
                steps
            }
        );
        assert_eq!(
            e.to_string(),
            format!("lesson `where-a-key-goes` has steps 1 to {steps}, there is no step {bad}")
        );
    }
    let e = statelab::lessons::session::parse_step_number("two").unwrap_err();
    assert_eq!(e.to_string(), "step must be a number from 1, got `two`");
    assert_eq!(
        statelab::lessons::session::parse_step_number(" 3 ").unwrap(),
        3
    );
}

/// Sentences in a narration: a `.`, `!` or `?` followed by the end or by a space and a
/// capital (so `execution.checkpointing.interval` and `e.g.` do not count).
fn sentences(text: &str) -> usize {
    let chars: Vec<char> = text.trim().chars().collect();
    (0..chars.len())
        .filter(|&i| {
            matches!(chars[i], '.' | '!' | '?')
                && (i + 1 == chars.len()
                    || (chars[i + 1] == ' ' && chars.get(i + 2).is_some_and(|c| c.is_uppercase())))
        })
        .count()
}

#[test]
fn the_nine_lessons_build_in_order_and_are_shaped_as_the_issue_asks() {
    let ids = catalog().ids();
    assert_eq!(
        ids,
        [
            "where-a-key-goes",
            "a-checkpoint",
            "compression",
            "incremental",
            "when-to-checkpoint",
            "crash-and-recovery",
            "rescaling",
            "when-checkpoints-fail",
            "a-damaged-store"
        ]
    );
    for lesson in catalog().lessons() {
        let n = lesson.steps.len();
        assert!((4..=8).contains(&n), "{}: {n} steps", lesson.id);
        assert!(
            lesson.steps.iter().any(|s| s.predict.is_some()),
            "{}: no prediction",
            lesson.id
        );
        for (i, step) in lesson.steps.iter().enumerate() {
            let k = sentences(&step.narration);
            assert!(
                (2..=3).contains(&k),
                "{} step {}: narration of {k} sentences: {}",
                lesson.id,
                i + 1,
                step.narration
            );
            assert!(step.pace() > 0.0);
        }
    }
    for id in ["compression", "when-to-checkpoint", "when-checkpoints-fail"] {
        let lesson = catalog().get(id).unwrap();
        assert!(
            lesson.steps.iter().any(|s| s.try_it.is_some()),
            "{id}: no try-it"
        );
    }
    let summaries = catalog().summaries();
    assert_eq!(summaries[0].number, 1);
    assert!(summaries
        .iter()
        .all(|s| !s.summary.is_empty() && s.steps >= 4));
}

/// A minimal lesson with one step replaced by `step` (and a valid first step before it).
fn lesson_with(step: &str) -> String {
    format!(
        r#"{{"id": "t", "title": "T", "summary": "S", "base_config": {{"job": {{"parallelism": 2, "max_parallelism": 8}}}},
           "steps": [
             {{"title": "first", "narration": "A. B.", "setup": {{"config": {{}}}},
               "run": {{"until": {{"elapsed_s": 0.1}}, "pace": 1}}}},
             {step}
           ]}}"#
    )
}

#[test]
fn lesson_files_with_mistakes_are_refused_naming_file_step_and_field() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"title": "x", "narative": "typo"}"#,
            "t.json: step 2 (“x”): unknown field `narative`",
        ),
        (
            r#"{"title": "x", "narration": "n", "run": {"until": "caught_up", "pace": 1}}"#,
            "t.json: step 2 (“x”): run.within_s: an event condition needs a bound",
        ),
        (
            r#"{"title": "x", "narration": "n", "run": {"until": {"elapsed_s": 1}, "within_s": 2, "pace": 1}}"#,
            "run.within_s: a clock condition is its own bound",
        ),
        (
            r#"{"title": "x", "narration": "n", "run": {"until": {"checkpoint_completed": {"checkpoint": "latest"}}, "within_s": 2, "pace": 1}}"#,
            "run.until.checkpoint: a condition waits for a numbered checkpoint or \"next\", not \"latest\"",
        ),
        (
            r#"{"title": "x", "narration": "n", "run": {"until": {"checkpoint_completed": {"checkpoint": "soon"}}, "within_s": 2, "pace": 1}}"#,
            "a checkpoint is a number from 1 or one of",
        ),
        (
            r#"{"title": "x", "narration": "n", "setup": {"config": {"job": {"parallelism": 0}}}}"#,
            "setup.config: job.parallelism: must be between 1 and 256, got 0",
        ),
        (
            r#"{"title": "x", "narration": "n", "setup": {"config": {"seed": 3}}}"#,
            "setup.config.seed: give it as `setup.seed`",
        ),
        (
            r#"{"title": "x", "narration": "n", "setup": {"continue": true, "config": {}}}"#,
            "setup.continue: continues the previous run, so it takes no config, seed or faults",
        ),
        (
            r#"{"title": "x", "narration": "n", "setup": {"continue": true, "actions": [{"advance_s": 1}]}}"#,
            "setup.actions[0]: a setup acts in an instant",
        ),
        (
            r#"{"title": "x", "narration": "n", "facts": {"cp": {"checkpoint": 1}}, "after": "{cp.shiped}"}"#,
            "after: fact `cp` (checkpoint probe) has no field `shiped`; it has shipped, id,",
        ),
        (
            r#"{"title": "x", "narration": "n", "after": "{nothing}"}"#,
            "after: `nothing` names no fact (facts: none)",
        ),
        (
            r#"{"title": "x", "narration": "n", "after": "{open"}"#,
            "after: placeholder `{open` is not closed",
        ),
        (
            r#"{"title": "x", "narration": "n", "run": {"until": {"elapsed_s": 1}, "pace": 1},
                "predict": {"question": "q", "probe": "recovery", "explanation": "{replayed}",
                  "choices": [{"text": "a", "when": {"equals": 0}, "expected": true},
                              {"text": "b", "when": {"field": "replay", "above": 0}, "expected": true}]}}"#,
            "predict.choices[1].when: the recovery probe has no field `replay`",
        ),
        (
            r#"{"title": "x", "narration": "n", "run": {"until": {"elapsed_s": 1}, "pace": 1},
                "predict": {"question": "q", "probe": "recovery", "explanation": "e",
                  "choices": [{"text": "a", "when": {"equals": 0}, "expected": true},
                              {"text": "b", "when": {"above": 0}, "expected": true}]}}"#,
            "predict.choices: mark exactly one choice `\"expected\": true` (the tests check the engine agrees); 2 are",
        ),
        (
            r#"{"title": "x", "narration": "n",
                "predict": {"question": "q", "probe": "recovery", "explanation": "e",
                  "choices": [{"text": "a", "when": {"equals": 0}, "expected": true}, {"text": "b", "when": {}}]}}"#,
            "predict: a prediction is asked before a run and answered by it",
        ),
        (
            r#"{"title": "x", "narration": "n", "callouts": [{"anchor": {"stored_checkpoint": "next"}, "text": "t"}]}"#,
            "callouts[0].anchor: this anchor does not take \"next\"",
        ),
        (
            r#"{"title": "x", "narration": "n", "callouts": [{"anchor": {"subtask": 0}, "text": "t", "show": "running"}]}"#,
            "callouts[0].show: \"running\" needs a run to show during",
        ),
        (
            r#"{"title": "x", "narration": "n", "try_it": {"task": "t", "goal": "answered", "hint": {"after_s": 5, "text": "h"}, "solution": [{"answer": 0}], "success": "s"}}"#,
            "try_it.question: an `answered` goal needs a question with choices",
        ),
        (
            r#"{"title": "x", "narration": "n", "try_it": {"task": "t", "goal": "checkpoint_completed", "hint": {"after_s": 5, "text": "h"}, "solution": [], "success": "s"}}"#,
            "try_it.solution: \"show me\" needs at least one action",
        ),
    ];
    for (step, want) in cases {
        let errors = read_lesson("t.json", &lesson_with(step)).unwrap_err();
        let all: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert!(
            all.iter().any(|e| e.contains(want)),
            "for {step}\nwanted an error containing: {want}\ngot: {all:#?}"
        );
    }
    // Whole-file problems.
    let e = read_lesson("t.json", "{\"id\": \"t\",\n \"title\": }").unwrap_err();
    assert!(
        e[0].to_string().starts_with("t.json: line 2, column"),
        "{}",
        e[0]
    );
    let e = read_lesson(
        "t.json",
        r#"{"id": "T t", "title": "T", "summary": "S", "steps": [{"title": "a", "narration": "b", "setup": {"continue": true}}]}"#,
    )
    .unwrap_err();
    let all: Vec<String> = e.iter().map(|e| e.to_string()).collect();
    assert!(
        all.iter()
            .any(|e| e.contains("t.json: id: `T t`: an id is lowercase")),
        "{all:?}"
    );
    assert!(all.iter().any(|e| e.contains("step 1 (“a”): setup.continue: the first step has no previous run")), "{all:?}");
    let one = lesson_with(r#"{"title": "x", "narration": "n"}"#);
    let e = Catalog::read(&[("a.json", one.as_str()), ("b.json", one.as_str())]).unwrap_err();
    assert!(
        e.to_string()
            .contains("b.json: id: lesson id `t` is also used by a.json"),
        "{e}"
    );
}

#[test]
fn a_prediction_waits_for_its_answer_and_reveals_the_engines() {
    let mut s = LessonSession::open("a-checkpoint", 6).unwrap();
    assert_eq!(s.status(), StepStatus::Asking);
    assert_eq!(s.prediction(), Some(&PredictionState::Asked));
    let t = s.sim().now_us();
    assert_eq!(s.advance(1_000_000), StepStatus::Asking);
    assert_eq!(s.sim().now_us(), t, "nothing runs before the answer");
    assert_eq!(
        s.answer(7),
        Err(LessonError::ChoiceOutOfRange {
            choice: 7,
            choices: 3
        })
    );
    s.answer(2).unwrap();
    assert_eq!(s.answer(1), Err(LessonError::NotAsking));
    assert_eq!(s.status(), StepStatus::Running);
    while s.advance(2_000) == StepStatus::Running {}
    let Some(PredictionState::Revealed(r)) = s.prediction() else {
        panic!("not revealed: {:?}", s.prediction());
    };
    assert_eq!(r.chosen, Some(2));
    assert_eq!(r.correct, vec![1]);
    assert_eq!(r.learner_was_right(), Some(false));
    assert!(
        r.explanation
            .starts_with("It restored checkpoint 1 and rewound the source"),
        "{}",
        r.explanation
    );
    // The callouts of the end are drawn now, with what they point at.
    let shown: Vec<_> = s.callouts().into_iter().filter(|c| c.visible).collect();
    assert_eq!(shown.len(), 2);
}

#[test]
fn what_a_learner_does_in_a_try_it_stays_in_that_step() {
    let n = 5;
    let mut s = LessonSession::open("when-checkpoints-fail", n).unwrap();
    assert_eq!(s.status(), StepStatus::Trying);
    let t = s.try_it().unwrap();
    assert!(t.handed_over && !t.achieved && t.answer.is_none());
    assert_eq!(t.try_it.hint.after_s, 45.0);
    // The learner raises the tolerable failures: time runs, nothing completes.
    s.apply(&statelab::lessons::action::Action::Set(
        serde_json::json!({"checkpointing": {"tolerable_failed": 5}}),
    ))
    .unwrap();
    for _ in 0..100 {
        s.advance(100_000);
    }
    assert_eq!(s.status(), StepStatus::Trying);
    assert_eq!(s.answer_try_it(0), Err(LessonError::NoQuestion));
    // Next continues from the lesson's own path, not from the learner's run.
    s.next_step().unwrap();
    let direct = LessonSession::open("when-checkpoints-fail", n + 1).unwrap();
    assert_eq!(s.sim().digest(), direct.sim().digest());
    assert_eq!(s.show_me(), Err(LessonError::NoTryIt));
}

#[test]
fn an_answered_try_it_is_judged_by_the_engine() {
    let mut s = LessonSession::open("rescaling", 4).unwrap();
    assert_eq!(s.status(), StepStatus::Trying);
    s.apply(&statelab::lessons::action::Action::Rescale(3))
        .unwrap();
    s.advance(2_000_000);
    assert_eq!(
        s.status(),
        StepStatus::Trying,
        "rescaled, but not answered yet"
    );
    assert_eq!(s.answer_try_it(2), Ok(false));
    assert_eq!(s.status(), StepStatus::Trying);
    assert_eq!(s.answer_try_it(0), Ok(true));
    assert_eq!(s.status(), StepStatus::Achieved);
    assert_eq!(s.try_it().unwrap().answer, Some(0));
}

#[test]
fn restart_and_go_to_return_to_a_steps_beginning() {
    let mut s = LessonSession::open("crash-and-recovery", 2).unwrap();
    let start = s.sim().digest();
    while s.advance(50_000) == StepStatus::Running {}
    assert_ne!(s.sim().digest(), start);
    s.restart_step().unwrap();
    assert_eq!(s.sim().digest(), start);
    assert_eq!(s.status(), StepStatus::Running);
    s.go_to(4).unwrap();
    assert_eq!(s.progress().step, 4);
    assert_eq!(
        s.sim().digest(),
        LessonSession::open("crash-and-recovery", 4)
            .unwrap()
            .sim()
            .digest()
    );
    assert!(matches!(
        s.go_to(9),
        Err(LessonError::StepOutOfRange {
            step: 9,
            steps: 5,
            ..
        })
    ));
    s.go_to(1).unwrap();
    assert_eq!(s.previous_step(), Ok(false));
}

//! How long a lesson takes at its default pace: its runs (each step's virtual time over
//! the step's pace), the scripted "try it" solutions played the same way, and the reading
//! (every text the learner sees, with this run's numbers, at [`WORDS_PER_MINUTE`]). The
//! runs are measured by walking the lesson on the engine; the reading is an estimate and
//! the page says so.

use crate::lessons::action::Action;
use crate::lessons::prediction::PredictionState;
use crate::lessons::{LessonError, LessonSession, StepStatus};

/// The reading speed the estimate assumes: an unhurried reading of technical text.
pub const WORDS_PER_MINUTE: f64 = 180.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub steps: usize,
    /// Wall seconds the steps' runs take at their pace.
    pub run_s: f64,
    /// Wall seconds the "try it" solutions take at their step's pace ("show me").
    pub try_s: f64,
    /// Words to read: narration, questions and choices, explanations, callouts, tasks.
    pub words: usize,
}

impl Estimate {
    pub fn reading_s(&self) -> f64 {
        self.words as f64 / WORDS_PER_MINUTE * 60.0
    }

    pub fn total_s(&self) -> f64 {
        self.run_s + self.try_s + self.reading_s()
    }

    /// Whole minutes, at least one.
    pub fn minutes(&self) -> u32 {
        ((self.total_s() / 60.0).round() as u32).max(1)
    }
}

fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

/// Walks lesson `id` from its first step to its last as a learner who skips every
/// prediction and asks "show me" at every "try it", and measures it.
pub fn estimate(id: &str) -> Result<Estimate, LessonError> {
    let mut s = LessonSession::open(id, 1)?;
    let mut e = Estimate {
        steps: s.progress().steps,
        run_s: 0.0,
        try_s: 0.0,
        words: 0,
    };
    loop {
        let step = s.step().clone();
        let pace = step.pace().max(1e-3);
        e.words += words(&step.title) + words(&step.narration);
        e.words += step.callouts.iter().map(|c| words(&c.text)).sum::<usize>();
        if let Some(p) = &step.predict {
            e.words += words(&p.question) + p.choices.iter().map(|c| words(&c.text)).sum::<usize>();
        }
        let before = s.sim().now_us();
        s.run_to_end();
        e.run_s += s.sim().now_us().saturating_sub(before) as f64 / 1e6 / pace;
        if let Some(PredictionState::Revealed(reveal)) = s.prediction() {
            e.words += words(&reveal.explanation);
        }
        e.words += s.after_text().map_or(0, words);
        if let Some(t) = &step.try_it {
            e.words += words(&t.task) + words(&t.success);
            e.words += t.question.as_ref().map_or(0, |q| {
                words(&q.text) + q.choices.iter().map(|c| words(&c.text)).sum::<usize>()
            });
            e.try_s += t
                .solution
                .iter()
                .map(|a| match a {
                    Action::AdvanceS(v) => *v,
                    _ => 0.0,
                })
                .sum::<f64>()
                / pace;
            if s.status() == StepStatus::Trying {
                s.show_me()?;
            }
        }
        if !s.next_step()? {
            return Ok(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::Catalog;

    #[test]
    fn every_lesson_is_measured_and_runs_are_a_small_part_of_it() {
        for lesson in Catalog::builtin().unwrap().lessons() {
            let e = estimate(&lesson.id).unwrap();
            assert_eq!(e.steps, lesson.steps.len());
            assert!(e.words > 100, "{}: {e:?}", lesson.id);
            assert!(e.run_s > 0.0, "{}: {e:?}", lesson.id);
            // A lesson is read, not watched: at their pace the runs take well under a
            // minute, so a picture holds long enough to be talked about.
            assert!(e.run_s + e.try_s < 60.0, "{}: {e:?}", lesson.id);
            assert!((1..=10).contains(&e.minutes()), "{}: {e:?}", lesson.id);
        }
        assert!(estimate("nope").is_err());
    }

    #[test]
    fn minutes_round_and_never_say_zero() {
        let e = |words, run_s| Estimate {
            steps: 1,
            run_s,
            try_s: 0.0,
            words,
        };
        assert_eq!(e(0, 0.0).minutes(), 1);
        assert_eq!(e(180, 0.0).minutes(), 1);
        assert_eq!(e(360, 40.0).minutes(), 3);
        assert_eq!(e(900, 0.0).minutes(), 5);
    }
}

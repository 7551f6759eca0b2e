//! Predict, then observe: a question asked before the step runs, choices that are
//! predicates on a probe's reading, and an explanation filled with the run's real numbers.
//!
//! The engine decides which choice is right: after the run, the probe reads the engine and
//! every choice whose predicate holds is correct. The lesson marks the choice its author
//! expects (`"expected": true`); the tests check that exactly one choice holds and that it
//! is that one, so a lesson whose story no longer matches the engine fails the build.

use super::probe::{Fact, Probe, Reading};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prediction {
    pub question: String,
    pub probe: Probe,
    pub choices: Vec<Choice>,
    /// Template shown once the run has answered (see `template.rs`).
    pub explanation: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub text: String,
    pub when: Predicate,
    /// The author's expectation, checked by the tests; the session never reads it.
    #[serde(default)]
    pub expected: bool,
}

/// A test on one field of a reading: `{"equals": 16}`, `{"at_least": 1, "below": 16}`,
/// `{"field": "smallest", "equals": "lz4"}`, `{"of": "key_groups", "at_least": 0.4,
/// "at_most": 0.6}` (the field divided by another, for "about half"). Every bound given
/// must hold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Predicate {
    /// The field tested; the probe's main field when omitted.
    #[serde(default)]
    pub field: Option<String>,
    /// Divide by this field first.
    #[serde(default)]
    pub of: Option<String>,
    /// A number, `true`/`false` or a text.
    #[serde(default)]
    pub equals: Option<Value>,
    #[serde(default)]
    pub at_least: Option<f64>,
    #[serde(default)]
    pub above: Option<f64>,
    #[serde(default)]
    pub at_most: Option<f64>,
    #[serde(default)]
    pub below: Option<f64>,
}

impl Predicate {
    /// The fields it names, for the reader to check against the probe.
    pub fn named_fields(&self) -> impl Iterator<Item = &str> {
        self.field.iter().chain(self.of.iter()).map(String::as_str)
    }

    pub fn has_test(&self) -> bool {
        self.equals.is_some()
            || self.at_least.is_some()
            || self.above.is_some()
            || self.at_most.is_some()
            || self.below.is_some()
    }

    pub fn holds(&self, reading: &Reading) -> bool {
        let fact = match &self.field {
            Some(name) => reading.get(name),
            None => Some(reading.main()),
        };
        let Some(fact) = fact else { return false };
        let number = match &self.of {
            Some(of) => match (fact.as_f64(), reading.get(of).and_then(Fact::as_f64)) {
                (Some(x), Some(d)) if d != 0.0 => Some(x / d),
                _ => return false,
            },
            None => fact.as_f64(),
        };
        if let Some(want) = &self.equals {
            let same = match (want, fact) {
                (Value::Bool(w), Fact::Bool(b)) => w == b,
                (Value::String(w), Fact::Text(t)) => w == t,
                (Value::Number(w), _) => match (w.as_f64(), number) {
                    (Some(w), Some(x)) => (w - x).abs() < 1e-9,
                    _ => false,
                },
                _ => false,
            };
            if !same {
                return false;
            }
        }
        let bounds = [
            (self.at_least, (|x, b| x >= b) as fn(f64, f64) -> bool),
            (self.above, |x, b| x > b),
            (self.at_most, |x, b| x <= b),
            (self.below, |x, b| x < b),
        ];
        bounds.iter().all(|(bound, ok)| match (bound, number) {
            (None, _) => true,
            (Some(b), Some(x)) => ok(x, *b),
            (Some(_), None) => false,
        })
    }
}

impl Prediction {
    /// The choices the reading makes correct (exactly one in a sound lesson).
    pub fn correct_choices(&self, reading: &Reading) -> Vec<usize> {
        self.choices
            .iter()
            .enumerate()
            .filter(|(_, c)| c.when.holds(reading))
            .map(|(i, _)| i)
            .collect()
    }
}

/// Where a prediction stands.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PredictionState {
    /// Asked; the step waits for an answer (or for the learner to skip) before it runs.
    Asked,
    /// Answered; the step runs.
    Answered { choice: Option<usize> },
    /// The run has answered.
    Revealed(Reveal),
}

/// The engine's answer to a prediction.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reveal {
    /// The learner's choice; `None` when they skipped.
    pub chosen: Option<usize>,
    /// The choices the engine's numbers make correct.
    pub correct: Vec<usize>,
    /// The explanation with this run's numbers.
    pub explanation: String,
    /// What the probe read; `Err` when the run did not produce what it asks about.
    pub reading: Result<Reading, String>,
}

impl Reveal {
    pub fn learner_was_right(&self) -> Option<bool> {
        self.chosen.map(|c| self.correct.contains(&c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading() -> Reading {
        Reading {
            fields: vec![
                ("shipped", Fact::Int(5)),
                ("key_groups", Fact::Int(16)),
                ("smallest", Fact::Text("lz4".into())),
                ("exactly_once", Fact::Bool(true)),
            ],
        }
    }

    fn p(v: Value) -> Predicate {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn predicates_test_numbers_ratios_texts_and_flags() {
        let r = reading();
        assert!(p(serde_json::json!({"equals": 5})).holds(&r));
        assert!(p(serde_json::json!({"at_least": 1, "below": 16})).holds(&r));
        assert!(!p(serde_json::json!({"above": 5})).holds(&r));
        assert!(p(serde_json::json!({"of": "key_groups", "below": 0.5})).holds(&r));
        assert!(p(serde_json::json!({"field": "smallest", "equals": "lz4"})).holds(&r));
        assert!(!p(serde_json::json!({"field": "smallest", "equals": "snappy"})).holds(&r));
        assert!(p(serde_json::json!({"field": "exactly_once", "equals": true})).holds(&r));
        assert!(!p(serde_json::json!({"field": "missing", "equals": 1})).holds(&r));
        assert!(!p(serde_json::json!({"field": "smallest", "at_least": 1})).holds(&r));
    }
}

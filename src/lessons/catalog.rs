//! The lessons compiled into the lab, read from their JSON files and checked before any
//! runs: every error names the file, the step and the field, and all of a file's errors are
//! reported at once.
//!
//! Reading is in two passes. serde reads the shape (unknown fields and kinds refused, each
//! step on its own so its errors carry its number); then the rules serde cannot see are
//! checked: a first step that starts a run, configs the engine accepts, a bound on every
//! event condition, checkpoint words each place accepts, placeholders and choices naming
//! fields their probes really have, one expected choice per prediction, a solution for
//! every "try it".

use super::action::merge;
use super::condition::CheckpointRef;
use super::format::{Lesson, Show, Step};
use super::prediction::{Choice, Prediction};
use super::probe::Probe;
use super::template::Template;
use crate::engine::config::Config;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// The lesson files, in the order the picker lists them.
pub const FILES: &[(&str, &str)] = &[
    (
        "lessons/01-where-a-key-goes.json",
        include_str!("../../lessons/01-where-a-key-goes.json"),
    ),
    (
        "lessons/02-a-checkpoint.json",
        include_str!("../../lessons/02-a-checkpoint.json"),
    ),
    (
        "lessons/03-compression.json",
        include_str!("../../lessons/03-compression.json"),
    ),
    (
        "lessons/04-incremental.json",
        include_str!("../../lessons/04-incremental.json"),
    ),
    (
        "lessons/05-when-to-checkpoint.json",
        include_str!("../../lessons/05-when-to-checkpoint.json"),
    ),
    (
        "lessons/06-crash-and-recovery.json",
        include_str!("../../lessons/06-crash-and-recovery.json"),
    ),
    (
        "lessons/07-rescaling.json",
        include_str!("../../lessons/07-rescaling.json"),
    ),
    (
        "lessons/08-when-checkpoints-fail.json",
        include_str!("../../lessons/08-when-checkpoints-fail.json"),
    ),
    (
        "lessons/09-a-damaged-store.json",
        include_str!("../../lessons/09-a-damaged-store.json"),
    ),
];

/// One problem in a lesson file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonFileError {
    pub file: String,
    /// 1-based step number and title, when the problem is inside a step.
    pub step: Option<(usize, String)>,
    /// Where in the file or step, dotted (`predict.choices[1].when.field`); may be empty.
    pub field: String,
    pub message: String,
}

impl fmt::Display for LessonFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((n, title)) = &self.step {
            if title.is_empty() {
                write!(f, ": step {n}")?;
            } else {
                write!(f, ": step {n} (“{title}”)")?;
            }
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found, across files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogErrors(pub Vec<LessonFileError>);

impl fmt::Display for CatalogErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CatalogErrors {}

/// The lessons, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Catalog {
    lessons: Vec<Arc<Lesson>>,
}

/// What the lesson picker and the start screen list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonSummary {
    pub number: usize,
    pub id: String,
    pub title: String,
    pub summary: String,
    pub steps: usize,
}

impl Catalog {
    /// The lessons compiled into the lab, read once.
    pub fn builtin() -> Result<&'static Catalog, &'static CatalogErrors> {
        static BUILTIN: OnceLock<Result<Catalog, CatalogErrors>> = OnceLock::new();
        BUILTIN.get_or_init(|| Catalog::read(FILES)).as_ref()
    }

    /// Reads `(file name, JSON text)` pairs; lesson ids must be unique.
    pub fn read(files: &[(&str, &str)]) -> Result<Catalog, CatalogErrors> {
        let mut lessons: Vec<Arc<Lesson>> = Vec::new();
        let mut errors = Vec::new();
        for (file, text) in files {
            match read_lesson(file, text) {
                Ok(lesson) => {
                    if let Some(other) = lessons.iter().find(|l| l.id == lesson.id) {
                        errors.push(file_error(
                            file,
                            "id",
                            format!("lesson id `{}` is also used by {}", lesson.id, other.file),
                        ));
                    }
                    lessons.push(Arc::new(lesson));
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        if errors.is_empty() {
            Ok(Catalog { lessons })
        } else {
            Err(CatalogErrors(errors))
        }
    }

    pub fn lessons(&self) -> &[Arc<Lesson>] {
        &self.lessons
    }

    pub fn get(&self, id: &str) -> Option<&Arc<Lesson>> {
        self.lessons.iter().find(|l| l.id == id)
    }

    pub fn ids(&self) -> Vec<String> {
        self.lessons.iter().map(|l| l.id.clone()).collect()
    }

    pub fn summaries(&self) -> Vec<LessonSummary> {
        self.lessons
            .iter()
            .enumerate()
            .map(|(i, l)| LessonSummary {
                number: i + 1,
                id: l.id.clone(),
                title: l.title.clone(),
                summary: l.summary.clone(),
                steps: l.steps.len(),
            })
            .collect()
    }
}

fn file_error(file: &str, field: &str, message: String) -> LessonFileError {
    LessonFileError {
        file: file.to_string(),
        step: None,
        field: field.to_string(),
        message,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LessonFile {
    id: String,
    title: String,
    summary: String,
    #[serde(default)]
    base_config: Option<Value>,
    steps: Vec<Value>,
}

/// Reads and checks one lesson file.
pub fn read_lesson(file: &str, text: &str) -> Result<Lesson, Vec<LessonFileError>> {
    let raw: LessonFile = serde_json::from_str(text).map_err(|e| {
        vec![file_error(
            file,
            "",
            format!(
                "line {}, column {}: {}",
                e.line(),
                e.column(),
                strip_position(&e)
            ),
        )]
    })?;
    let mut errors = Vec::new();
    let mut steps = Vec::new();
    for (i, value) in raw.steps.iter().enumerate() {
        let title = value
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        match Step::deserialize(value) {
            Ok(step) => steps.push(step),
            Err(e) => errors.push(LessonFileError {
                file: file.to_string(),
                step: Some((i + 1, title)),
                field: String::new(),
                message: e.to_string(),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let lesson = Lesson {
        id: raw.id,
        file: file.to_string(),
        title: raw.title,
        summary: raw.summary,
        base_config: raw.base_config.unwrap_or_else(|| Value::Object(Map::new())),
        steps,
    };
    let mut check = Checker {
        file,
        errors: Vec::new(),
    };
    check.lesson(&lesson);
    if check.errors.is_empty() {
        Ok(lesson)
    } else {
        Err(check.errors)
    }
}

fn strip_position(e: &serde_json::Error) -> String {
    let m = e.to_string();
    m.rsplit_once(" at line ")
        .map_or(m.as_str(), |(before, _)| before)
        .to_string()
}

/// The config a step's new run starts with: the defaults, then the lesson's base config,
/// then the step's config, seed and faults.
pub fn run_config(lesson: &Lesson, step: &Step) -> Result<Config, String> {
    let setup = step
        .setup
        .as_ref()
        .filter(|s| s.config.is_some())
        .ok_or("the step continues the previous run; it has no config of its own")?;
    let mut value = lesson.base_config.clone();
    merge(&mut value, setup.config.as_ref().unwrap_or(&Value::Null));
    let Value::Object(map) = &mut value else {
        return Err("a config is a JSON object".into());
    };
    if let Some(seed) = setup.seed {
        map.insert("seed".into(), seed.into());
    }
    if let Some(faults) = &setup.faults {
        map.insert(
            "faults".into(),
            serde_json::to_value(faults).map_err(|e| e.to_string())?,
        );
    }
    Config::from_value(&value).map_err(|e| e.to_string())
}

struct Checker<'a> {
    file: &'a str,
    errors: Vec<LessonFileError>,
}

/// The fields a template may name in a step: the prediction's probe fields, and
/// `fact.field` (or `fact`) for each named fact.
struct Names<'a> {
    prediction: Option<&'a Probe>,
    facts: &'a BTreeMap<String, Probe>,
}

impl Names<'_> {
    fn check(&self, name: &str) -> Result<(), String> {
        let (head, tail) = match name.split_once('.') {
            Some((h, t)) => (h, Some(t)),
            None => (name, None),
        };
        if let Some(probe) = self.facts.get(head) {
            return match tail {
                None => Ok(()),
                Some(field) if probe.fields().contains(&field) => Ok(()),
                Some(field) => Err(format!(
                    "fact `{head}` ({} probe) has no field `{field}`; it has {}",
                    probe.name(),
                    probe.fields().join(", ")
                )),
            };
        }
        match (self.prediction, tail) {
            (Some(p), None) if p.fields().contains(&head) => Ok(()),
            (Some(p), None) => Err(format!(
                "`{name}` is neither a field of the prediction's {} probe ({}) nor a fact ({})",
                p.name(),
                p.fields().join(", "),
                self.fact_list()
            )),
            _ => Err(format!(
                "`{name}` names no fact (facts: {})",
                self.fact_list()
            )),
        }
    }

    fn fact_list(&self) -> String {
        if self.facts.is_empty() {
            "none".into()
        } else {
            self.facts.keys().cloned().collect::<Vec<_>>().join(", ")
        }
    }
}

impl Checker<'_> {
    fn fail(&mut self, step: Option<(usize, &Step)>, field: &str, message: impl Into<String>) {
        self.errors.push(LessonFileError {
            file: self.file.to_string(),
            step: step.map(|(i, s)| (i + 1, s.title.clone())),
            field: field.to_string(),
            message: message.into(),
        });
    }

    fn lesson(&mut self, lesson: &Lesson) {
        let id_ok = !lesson.id.is_empty()
            && lesson
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !id_ok {
            self.fail(
                None,
                "id",
                format!(
                    "`{}`: an id is lowercase letters, digits and `-` (it goes in URLs)",
                    lesson.id
                ),
            );
        }
        for (field, text) in [("title", &lesson.title), ("summary", &lesson.summary)] {
            if text.trim().is_empty() {
                self.fail(None, field, "must not be empty");
            }
        }
        match &lesson.base_config {
            Value::Object(map) => {
                for reserved in ["seed", "faults"] {
                    if map.contains_key(reserved) {
                        self.fail(
                            None,
                            &format!("base_config.{reserved}"),
                            format!("give `{reserved}` in a step's setup, where a run starts"),
                        );
                    }
                }
            }
            _ => self.fail(
                None,
                "base_config",
                "must be a JSON object (a partial config)",
            ),
        }
        if lesson.steps.is_empty() {
            self.fail(None, "steps", "a lesson has at least one step");
        }
        for (i, step) in lesson.steps.iter().enumerate() {
            self.step(lesson, i, step);
        }
    }

    fn step(&mut self, lesson: &Lesson, i: usize, step: &Step) {
        let at = Some((i, step));
        for (field, text) in [("title", &step.title), ("narration", &step.narration)] {
            if text.trim().is_empty() {
                self.fail(at, field, "must not be empty");
            }
        }
        self.setup(lesson, i, step);
        if let Some(run) = &step.run {
            let is_time = run.until.is_time();
            match (is_time, run.within_s) {
                (false, None) => self.fail(
                    at,
                    "run.within_s",
                    "an event condition needs a bound: the virtual seconds after which the step ends anyway",
                ),
                (true, Some(_)) => self.fail(
                    at,
                    "run.within_s",
                    "a clock condition is its own bound; drop `within_s`",
                ),
                (false, Some(s)) if !(s > 0.0 && s.is_finite()) => {
                    self.fail(at, "run.within_s", format!("must be positive, got {s}"))
                }
                _ => {}
            }
            if is_time && run.times.is_some() {
                self.fail(at, "run.times", "counts events; a clock condition has none");
            }
            if run.times == Some(0) {
                self.fail(at, "run.times", "must be at least 1");
            }
            if !(run.pace > 0.0 && run.pace.is_finite()) {
                self.fail(
                    at,
                    "run.pace",
                    format!("must be positive, got {}", run.pace),
                );
            }
            if let Some(c) = run.until.checkpoint_ref() {
                if !matches!(c, CheckpointRef::Id(_) | CheckpointRef::Next) {
                    self.fail(
                        at,
                        "run.until.checkpoint",
                        format!(
                            "a condition waits for a numbered checkpoint or \"next\", not {}",
                            c.word()
                        ),
                    );
                }
            }
        }
        for (k, callout) in step.callouts.iter().enumerate() {
            let field = format!("callouts[{k}]");
            if callout.text.trim().is_empty() {
                self.fail(at, &format!("{field}.text"), "must not be empty");
            }
            if let Some(c) = callout.anchor.checkpoint_ref() {
                let allowed = callout.anchor.allowed_checkpoint_words();
                if !matches!(c, CheckpointRef::Id(_)) && !allowed.contains(&c) {
                    self.fail(
                        at,
                        &format!("{field}.anchor"),
                        format!("this anchor does not take {}", c.word()),
                    );
                }
            }
            if callout.show == Show::Running && step.run.is_none() {
                self.fail(
                    at,
                    &format!("{field}.show"),
                    "\"running\" needs a run to show during",
                );
            }
        }
        for (name, probe) in &step.facts {
            let well_formed = name.starts_with(|c: char| c.is_ascii_lowercase())
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !well_formed {
                self.fail(
                    at,
                    &format!("facts.{name}"),
                    "a fact's name is a lowercase letter, then lowercase letters, digits and `_`",
                );
            }
            if step
                .predict
                .as_ref()
                .is_some_and(|p| p.probe.fields().contains(&name.as_str()))
            {
                self.fail(
                    at,
                    &format!("facts.{name}"),
                    "has the name of a field of the prediction's probe; placeholders would be ambiguous",
                );
            }
            self.probe(at, &format!("facts.{name}"), probe);
        }
        let names = Names {
            prediction: step.predict.as_ref().map(|p| &p.probe),
            facts: &step.facts,
        };
        if let Some(after) = &step.after {
            self.template(at, "after", after, &names);
        }
        if let Some(p) = &step.predict {
            self.prediction(at, step, p, &names);
        }
        if let Some(t) = &step.try_it {
            if t.task.trim().is_empty() || t.success.trim().is_empty() {
                self.fail(at, "try_it", "`task` and `success` must not be empty");
            }
            if !(t.hint.after_s >= 0.0 && t.hint.after_s.is_finite()) {
                self.fail(at, "try_it.hint.after_s", "must be zero or more seconds");
            }
            if t.solution.is_empty() {
                self.fail(
                    at,
                    "try_it.solution",
                    "\"show me\" needs at least one action",
                );
            }
            match (&t.question, t.goal.needs_answer()) {
                (None, true) => self.fail(
                    at,
                    "try_it.question",
                    "an `answered` goal needs a question with choices",
                ),
                (Some(_), false) => self.fail(
                    at,
                    "try_it.question",
                    "a question is only asked for an `answered` goal",
                ),
                _ => {}
            }
            if let Some(q) = &t.question {
                self.probe(at, "try_it.question.probe", &q.probe);
                self.choices(at, "try_it.question.choices", &q.probe, &q.choices);
            }
            for (k, action) in t.solution.iter().enumerate() {
                if let super::action::Action::Answer(choice) = action {
                    let n = t.question.as_ref().map_or(0, |q| q.choices.len());
                    if *choice >= n {
                        self.fail(
                            at,
                            &format!("try_it.solution[{k}]"),
                            format!("answers choice {choice}, but the question has {n} choices (0 to {})", n.saturating_sub(1)),
                        );
                    }
                }
            }
        }
    }

    fn setup(&mut self, lesson: &Lesson, i: usize, step: &Step) {
        let at = Some((i, step));
        let Some(setup) = &step.setup else {
            if i == 0 {
                self.fail(
                    at,
                    "setup",
                    "the first step starts the lesson's run: give `setup.config` (`{}` for the lesson's base config)",
                );
            }
            return;
        };
        let new_run = setup.config.is_some();
        if setup.continue_run && (new_run || setup.seed.is_some() || setup.faults.is_some()) {
            self.fail(
                at,
                "setup.continue",
                "continues the previous run, so it takes no config, seed or faults",
            );
        }
        if !setup.continue_run && !new_run {
            self.fail(
                at,
                "setup",
                "say how the step begins: `config` starts a new run, `\"continue\": true` keeps the previous one",
            );
        }
        if i == 0 && setup.continue_run {
            self.fail(at, "setup.continue", "the first step has no previous run");
        }
        if let Some(config) = &setup.config {
            match config.as_object() {
                Some(map) => {
                    for reserved in ["seed", "faults"] {
                        if map.contains_key(reserved) {
                            self.fail(
                                at,
                                &format!("setup.config.{reserved}"),
                                format!("give it as `setup.{reserved}`"),
                            );
                        }
                    }
                    if let Err(e) = run_config(lesson, step) {
                        self.fail(at, "setup.config", e);
                    }
                }
                None => self.fail(
                    at,
                    "setup.config",
                    "must be a JSON object (a partial config)",
                ),
            }
        }
        for (k, action) in setup.actions.iter().enumerate() {
            if !action.is_instant() {
                self.fail(
                    at,
                    &format!("setup.actions[{k}]"),
                    "a setup acts in an instant; time passes in the run",
                );
            }
        }
    }

    fn probe(&mut self, at: Option<(usize, &Step)>, field: &str, probe: &Probe) {
        if let Some(c) = probe.checkpoint_ref() {
            if !matches!(c, CheckpointRef::Id(_)) && !probe.allowed_checkpoint_words().contains(&c)
            {
                self.fail(at, field, format!("does not take {}", c.word()));
            }
        }
    }

    fn template(&mut self, at: Option<(usize, &Step)>, field: &str, text: &str, names: &Names) {
        match Template::parse(text) {
            Ok(t) => {
                for name in t.names() {
                    if let Err(e) = names.check(name) {
                        self.fail(at, field, e);
                    }
                }
            }
            Err(e) => self.fail(at, field, e),
        }
    }

    fn prediction(
        &mut self,
        at: Option<(usize, &Step)>,
        step: &Step,
        p: &Prediction,
        names: &Names,
    ) {
        if step.run.is_none() {
            self.fail(
                at,
                "predict",
                "a prediction is asked before a run and answered by it: the step needs `run`",
            );
        }
        if p.question.trim().is_empty() {
            self.fail(at, "predict.question", "must not be empty");
        }
        self.probe(at, "predict.probe", &p.probe);
        self.choices(at, "predict.choices", &p.probe, &p.choices);
        let expected = p.choices.iter().filter(|c| c.expected).count();
        if expected != 1 {
            self.fail(
                at,
                "predict.choices",
                format!("mark exactly one choice `\"expected\": true` (the tests check the engine agrees); {expected} are"),
            );
        }
        self.template(at, "predict.explanation", &p.explanation, names);
    }

    fn choices(
        &mut self,
        at: Option<(usize, &Step)>,
        field: &str,
        probe: &Probe,
        choices: &[Choice],
    ) {
        if choices.len() < 2 {
            self.fail(at, field, "give at least two choices");
        }
        for (k, c) in choices.iter().enumerate() {
            let here = format!("{field}[{k}]");
            if c.text.trim().is_empty() {
                self.fail(at, &format!("{here}.text"), "must not be empty");
            }
            if !c.when.has_test() {
                self.fail(
                    at,
                    &format!("{here}.when"),
                    "give a test: equals, at_least, above, at_most or below",
                );
            }
            for name in c.when.named_fields() {
                if !probe.fields().contains(&name) {
                    self.fail(
                        at,
                        &format!("{here}.when"),
                        format!(
                            "the {} probe has no field `{name}`; it has {}",
                            probe.name(),
                            probe.fields().join(", ")
                        ),
                    );
                }
            }
        }
    }
}

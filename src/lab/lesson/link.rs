//! Deep links into a lesson: `?lesson=ID&step=N` opens step N (1-based) of a lesson, so a
//! teacher can put a step on a slide. The step defaults to 1. A link that names no lesson
//! is not a lesson link; one that names a lesson badly (an unknown id, a step that is not
//! a number or out of range) is refused with a message naming the value and what is
//! allowed, and the page shows it instead of a blank panel.
//!
//! Only text goes in and out here, as in `lab::url`; the two share the query syntax.
//! `lesson` and `step` are not settings: [`without_lesson`] takes them out before the
//! query is read as a configuration.

use crate::lab::url::parse_query;
use crate::lessons::session::parse_step_number;
use crate::lessons::{Catalog, LessonError};

/// The query parameters a lesson link uses.
pub const LESSON_KEY: &str = "lesson";
pub const STEP_KEY: &str = "step";

/// A lesson and a step (1-based) a link asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonLink {
    pub lesson: String,
    pub step: usize,
}

/// Reads the lesson link in a query (`?…`, with or without the `?`): `None` when it names
/// no lesson, else the lesson and step or why they cannot be opened. The first of a
/// repeated parameter counts, as in `lab::url`.
pub fn from_query(search: &str) -> Option<Result<LessonLink, LessonError>> {
    let params = parse_query(search);
    let first = |key: &str| params.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim());
    let lesson = first(LESSON_KEY)?.to_string();
    Some(read(&lesson, first(STEP_KEY)))
}

fn read(lesson: &str, step: Option<&str>) -> Result<LessonLink, LessonError> {
    let catalog = Catalog::builtin().map_err(|e| LessonError::Catalog(e.clone()))?;
    let Some(found) = catalog.get(lesson) else {
        return Err(LessonError::UnknownLesson {
            id: lesson.to_string(),
            known: catalog.ids(),
        });
    };
    let step = match step {
        None | Some("") => 1,
        Some(text) => parse_step_number(text)?,
    };
    if step > found.steps.len() {
        return Err(LessonError::StepOutOfRange {
            lesson: found.id.clone(),
            step,
            steps: found.steps.len(),
        });
    }
    Ok(LessonLink {
        lesson: found.id.clone(),
        step,
    })
}

/// The query of a link to `step` of `lesson`.
pub fn to_query(lesson: &str, step: usize) -> String {
    format!("{LESSON_KEY}={}&{STEP_KEY}={step}", encode(lesson))
}

/// The query without the lesson link's parameters (what is left is read as settings).
pub fn without_lesson(search: &str) -> String {
    search
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| {
            let key = pair.split_once('=').map_or(*pair, |(k, _)| k);
            key != LESSON_KEY && key != STEP_KEY
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes anything but letters, digits and `-_.~` (lesson ids are such words;
/// a link is only ever written for a lesson that exists).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(lesson: &str, step: usize) -> Option<Result<LessonLink, LessonError>> {
        Some(Ok(LessonLink {
            lesson: lesson.into(),
            step,
        }))
    }

    #[test]
    fn a_link_names_a_lesson_and_a_step() {
        let cases: &[(&str, Option<Result<LessonLink, LessonError>>)] = &[
            ("", None),
            ("?seed=7&job.parallelism=4", None),
            ("?lesson=a-checkpoint&step=3", link("a-checkpoint", 3)),
            ("lesson=a-checkpoint&step=3", link("a-checkpoint", 3)),
            // The step defaults to the first; spaces around it are forgiven.
            ("?lesson=rescaling", link("rescaling", 1)),
            ("?lesson=rescaling&step=", link("rescaling", 1)),
            ("?lesson=rescaling&step=%202", link("rescaling", 2)),
            // Settings and page switches beside it are left to the lab.
            (
                "?present=1&lesson=compression&step=5&seed=3",
                link("compression", 5),
            ),
            // The first of a repeated parameter counts.
            (
                "?lesson=compression&lesson=rescaling",
                link("compression", 1),
            ),
        ];
        for (query, want) in cases {
            assert_eq!(from_query(query), *want, "{query}");
        }
    }

    #[test]
    fn a_bad_link_is_named_with_what_is_allowed() {
        let message = |q: &str| match from_query(q) {
            Some(Err(e)) => e.to_string(),
            other => panic!("{q}: expected a refusal, got {other:?}"),
        };
        let unknown = message("?lesson=nope&step=2");
        assert!(unknown.contains("`nope`"), "{unknown}");
        assert!(
            unknown.contains("where-a-key-goes") && unknown.contains("a-damaged-store"),
            "lists the lessons: {unknown}"
        );
        let empty = message("?lesson=");
        assert!(empty.contains("no lesson ``"), "{empty}");
        let range = message("?lesson=a-checkpoint&step=99");
        assert!(
            range.contains("a-checkpoint") && range.contains("1 to 6") && range.contains("99"),
            "{range}"
        );
        for bad in ["0", "-1", "two", "1.5"] {
            let text = message(&format!("?lesson=a-checkpoint&step={bad}"));
            assert!(
                text.contains(&format!("`{bad}`")) && text.contains("number from 1"),
                "{text}"
            );
        }
    }

    #[test]
    fn links_are_written_and_the_rest_of_a_query_is_kept_apart() {
        assert_eq!(to_query("a-checkpoint", 4), "lesson=a-checkpoint&step=4");
        assert_eq!(
            from_query(&to_query("a-checkpoint", 4)),
            link("a-checkpoint", 4)
        );
        assert_eq!(to_query("a b&c", 1), "lesson=a%20b%26c&step=1");
        assert_eq!(
            without_lesson("?seed=7&lesson=rescaling&step=2&present=1"),
            "seed=7&present=1"
        );
        assert_eq!(without_lesson("?lesson=rescaling"), "");
        assert_eq!(without_lesson("seed=7"), "seed=7");
        // Only whole keys are taken out.
        assert_eq!(without_lesson("?lessons=1&steps=2"), "lessons=1&steps=2");
    }
}

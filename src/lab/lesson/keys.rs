//! Keys while a lesson is open: → and PageDown go to the next step, ← and PageUp to the
//! previous one (a presenter's clicker sends PageDown / PageUp). Outside a lesson → steps
//! the run (`lab::keyboard`); in a lesson that step stays on `.`, and the keys 1–6 and
//! Shift+→ keep their meaning, so nothing the lab offers is lost.
//!
//! The shell asks here first while a lesson is open and falls back to `lab::keyboard`.

use super::LessonIntent;
use crate::lab::intent::Intent;
use crate::lab::keyboard::{Focus, Modifiers};

/// The lesson's keys, as the help overlay lists them.
pub const LESSON_SHORTCUTS: [(&str, &str); 3] = [
    (
        "→  or  PageDown",
        "in a lesson: next step (at the last step, the next lesson); . still steps the run",
    ),
    (
        "←  or  PageUp",
        "in a lesson: previous step, exactly as it began (the run as it stood then)",
    ),
    (
        "Tab, Enter",
        "in a lesson: reach and press a prediction's choices, Show me and Next",
    ),
];

/// The lesson intent a key stands for while a lesson is open, if any.
pub fn lesson_intent(key: &str, modifiers: Modifiers, focus: Focus) -> Option<Intent> {
    if modifiers.ctrl || modifiers.alt || modifiers.meta || focus == Focus::Field {
        return None;
    }
    let intent = match key {
        // Shift+→ keeps stepping to a checkpoint's end.
        "ArrowRight" if modifiers.shift => return None,
        "ArrowRight" | "PageDown" => LessonIntent::Next,
        "ArrowLeft" | "PageUp" => LessonIntent::Previous,
        _ => return None,
    };
    Some(Intent::Lesson(intent))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::keyboard::intent_for;

    const NONE: Modifiers = Modifiers {
        shift: false,
        ctrl: false,
        alt: false,
        meta: false,
    };

    #[test]
    fn arrows_and_page_keys_move_between_steps() {
        use Focus::*;
        let next = Some(Intent::Lesson(LessonIntent::Next));
        let previous = Some(Intent::Lesson(LessonIntent::Previous));
        let shift = Modifiers {
            shift: true,
            ..NONE
        };
        let ctrl = Modifiers { ctrl: true, ..NONE };
        let cases: &[(&str, Modifiers, Focus, Option<Intent>)] = &[
            ("ArrowRight", NONE, Page, next.clone()),
            ("PageDown", NONE, Page, next.clone()),
            ("ArrowLeft", NONE, Page, previous.clone()),
            ("PageUp", NONE, Page, previous.clone()),
            // On a focused button (a choice, Next itself) the keys still move.
            ("ArrowRight", NONE, Button, next),
            ("PageUp", NONE, Button, previous),
            // Typing in a field, or with a modifier, is left alone.
            ("ArrowLeft", NONE, Field, None),
            ("ArrowRight", ctrl, Page, None),
            ("ArrowRight", shift, Page, None),
            (".", NONE, Page, None),
            ("1", NONE, Page, None),
        ];
        for (key, m, focus, want) in cases {
            assert_eq!(
                lesson_intent(key, *m, *focus),
                *want,
                "{key} {m:?} {focus:?}"
            );
        }
    }

    #[test]
    fn what_the_lesson_does_not_take_still_reaches_the_lab() {
        // The keys a lesson leaves alone keep their lab meaning, so stepping stays on
        // `.`, 1–6 and Shift+→ while → moves the lesson.
        for (key, m) in [
            (".", NONE),
            ("4", NONE),
            (
                "ArrowRight",
                Modifiers {
                    shift: true,
                    ..NONE
                },
            ),
            (" ", NONE),
        ] {
            assert_eq!(lesson_intent(key, m, Focus::Page), None);
            assert!(intent_for(key, m, Focus::Page).is_some(), "{key}");
        }
    }
}

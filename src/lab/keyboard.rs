//! Keyboard shortcuts: which key, with which modifiers, where, stands for which intent.
//!
//! Keys: Space play/pause; → or . step to the next moment of the kind chosen, 1–6 choose
//! the kind and step (event, barrier arrival, snapshot, chunk acknowledged, restore
//! chunk, checkpoint end), Shift+→ to the end of the next checkpoint; + / − speed; M slow
//! motion, P presenter mode; C trigger a checkpoint, X crash the job, S crash a subtask,
//! R rescale, K corrupt a chunk, L lose one; ← step back (Shift+← one checkpoint back),
//! Home / End the run's start / the branch's end, B a new branch here; ? help, Esc closes help or clears the
//! selection. Keys typed into a field, and keys pressed with Ctrl, Alt or ⌘, are left
//! alone. The browser shell only reads the event and the focused element into these
//! plain values (`ui/keyboard.rs`).

use super::intent::Intent;
use super::stepping::StepKind;
use super::travel::TravelIntent;

/// The shortcuts, as the help overlay lists them.
pub const SHORTCUTS: [(&str, &str); 23] = [
    ("Space", "play / pause"),
    (
        "→  or  .",
        "step to the next moment of the kind chosen in the step menu",
    ),
    (
        "1",
        "step to the next event (a trigger, a completion, a failure …)",
    ),
    ("2", "step to the next barrier arrival"),
    ("3", "step to the next snapshot"),
    ("4", "step to the next chunk the store acknowledges"),
    (
        "5",
        "step to the next chunk a restore reads (or the restore's end)",
    ),
    ("6", "step to the end of the next checkpoint"),
    ("Shift + →", "step to the end of the next checkpoint"),
    (
        "←  or  ,",
        "step back: to where the last step of the chosen kind stopped",
    ),
    (
        "Shift + ←",
        "step back to the end of the previous checkpoint",
    ),
    (
        "Home  /  End",
        "the run's first moment / the latest moment of this branch",
    ),
    (
        "B",
        "a new branch here (the original is kept; compare them in the Branches tab)",
    ),
    ("+  /  −", "faster (× 2) / slower (÷ 2)"),
    (
        "M",
        "slow motion around checkpoints, restores and replays: on / off",
    ),
    ("P", "presenter mode: on / off"),
    ("C", "trigger a checkpoint now"),
    ("X", "crash the job"),
    (
        "S",
        "crash the selected subtask (or the selected key group's, or the one in the action bar)",
    ),
    ("R", "rescale to the parallelism in the action bar"),
    (
        "K  /  L",
        "corrupt / lose the selected chunk (or the selected key group's, or the action bar's)",
    ),
    ("?", "open this help"),
    (
        "Esc",
        "close the help, or clear the selection; Tab moves between controls",
    ),
];

/// The modifier keys held with a key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Modifiers {
    pub shift: bool,
    pub ctrl: bool,
    pub alt: bool,
    /// ⌘ on a Mac, the Windows key elsewhere.
    pub meta: bool,
}

/// Where the key was pressed, as far as shortcuts care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    /// Nothing that takes keys of its own: the page, the canvas, a checkbox.
    Page,
    /// A button (or something acting as one): Space presses it.
    Button,
    /// A text field, a list, a slider or editable text: its keys are its own.
    Field,
}

impl Focus {
    /// Classifies the focused element from its tag name, its `type` and `role`
    /// attributes and whether it is editable text.
    pub fn of_element(
        tag: &str,
        input_type: Option<&str>,
        role: Option<&str>,
        content_editable: bool,
    ) -> Focus {
        let tag = tag.to_ascii_lowercase();
        match tag.as_str() {
            "textarea" | "select" => Focus::Field,
            // A checkbox or a button-like input takes no text; shortcuts stay on there. A
            // slider keeps its keys (arrows, +/−) to itself.
            "input" => match input_type.unwrap_or("").to_ascii_lowercase().as_str() {
                "checkbox" | "radio" => Focus::Page,
                "button" | "submit" | "reset" => Focus::Button,
                _ => Focus::Field,
            },
            _ if content_editable => Focus::Field,
            "button" | "summary" => Focus::Button,
            _ if role == Some("button") => Focus::Button,
            _ => Focus::Page,
        }
    }
}

/// The intent a key stands for, if any (`key` is the DOM's `KeyboardEvent.key`). Space on
/// a focused button presses that button instead.
pub fn intent_for(key: &str, modifiers: Modifiers, focus: Focus) -> Option<Intent> {
    if modifiers.ctrl || modifiers.alt || modifiers.meta || focus == Focus::Field {
        return None;
    }
    match key {
        " " | "Spacebar" if focus != Focus::Button => Some(Intent::TogglePlay),
        "ArrowRight" if modifiers.shift => Some(Intent::StepCheckpoint),
        "ArrowRight" | "." => Some(Intent::StepMoment),
        "ArrowLeft" if modifiers.shift => Some(Intent::Travel(TravelIntent::StepBackCheckpoint)),
        "ArrowLeft" | "," => Some(Intent::Travel(TravelIntent::StepBack)),
        "Home" => Some(Intent::Travel(TravelIntent::Start)),
        "End" => Some(Intent::Travel(TravelIntent::End)),
        "b" | "B" => Some(Intent::Travel(TravelIntent::Fork)),
        "1" | "2" | "3" | "4" | "5" | "6" => {
            let i = key.as_bytes()[0] - b'1';
            StepKind::ALL
                .get(usize::from(i))
                .map(|k| Intent::StepTo(*k))
        }
        "+" | "=" => Some(Intent::SpeedUp),
        "-" | "_" | "−" => Some(Intent::SpeedDown),
        "?" => Some(Intent::ToggleHelp),
        "Escape" | "Esc" => Some(Intent::Dismiss),
        "m" | "M" => Some(Intent::ToggleSlowMotion),
        "p" | "P" => Some(Intent::TogglePresenter),
        "c" | "C" => Some(Intent::TriggerCheckpoint),
        "x" | "X" => Some(Intent::CrashJob),
        "s" | "S" => Some(Intent::CrashTargetSubtask),
        "r" | "R" => Some(Intent::RescaleToTarget),
        "k" | "K" => Some(Intent::CorruptTargetChunk),
        "l" | "L" => Some(Intent::LoseTargetChunk),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: Modifiers = Modifiers {
        shift: false,
        ctrl: false,
        alt: false,
        meta: false,
    };
    const SHIFT: Modifiers = Modifiers {
        shift: true,
        ..NONE
    };
    const CTRL: Modifiers = Modifiers { ctrl: true, ..NONE };
    const ALT: Modifiers = Modifiers { alt: true, ..NONE };
    const META: Modifiers = Modifiers { meta: true, ..NONE };

    #[test]
    fn keys_map_to_intents() {
        use Focus::*;
        let cases: &[(&str, Modifiers, Focus, Option<Intent>)] = &[
            (" ", NONE, Page, Some(Intent::TogglePlay)),
            ("Spacebar", NONE, Page, Some(Intent::TogglePlay)),
            // Space on a button presses the button, not play.
            (" ", NONE, Button, None),
            ("ArrowRight", NONE, Page, Some(Intent::StepMoment)),
            (".", NONE, Page, Some(Intent::StepMoment)),
            ("ArrowRight", SHIFT, Page, Some(Intent::StepCheckpoint)),
            ("ArrowRight", NONE, Button, Some(Intent::StepMoment)),
            ("1", NONE, Page, Some(Intent::StepTo(StepKind::Event))),
            (
                "4",
                NONE,
                Page,
                Some(Intent::StepTo(StepKind::ChunkAcknowledged)),
            ),
            (
                "5",
                NONE,
                Page,
                Some(Intent::StepTo(StepKind::RestoreChunk)),
            ),
            ("6", NONE, Page, Some(Intent::StepTo(StepKind::Checkpoint))),
            ("7", NONE, Page, None),
            ("m", NONE, Page, Some(Intent::ToggleSlowMotion)),
            ("P", SHIFT, Page, Some(Intent::TogglePresenter)),
            ("c", NONE, Page, Some(Intent::TriggerCheckpoint)),
            ("x", NONE, Page, Some(Intent::CrashJob)),
            ("s", NONE, Page, Some(Intent::CrashTargetSubtask)),
            ("r", NONE, Page, Some(Intent::RescaleToTarget)),
            ("k", NONE, Page, Some(Intent::CorruptTargetChunk)),
            ("L", SHIFT, Page, Some(Intent::LoseTargetChunk)),
            ("x", NONE, Field, None),
            ("c", CTRL, Page, None),
            ("+", NONE, Page, Some(Intent::SpeedUp)),
            // "+" is Shift+= on most layouts; both mean faster.
            ("+", SHIFT, Page, Some(Intent::SpeedUp)),
            ("=", NONE, Page, Some(Intent::SpeedUp)),
            ("-", NONE, Page, Some(Intent::SpeedDown)),
            ("_", SHIFT, Page, Some(Intent::SpeedDown)),
            ("−", NONE, Page, Some(Intent::SpeedDown)),
            ("?", SHIFT, Page, Some(Intent::ToggleHelp)),
            ("Escape", NONE, Page, Some(Intent::Dismiss)),
            ("Esc", NONE, Page, Some(Intent::Dismiss)),
            ("Escape", NONE, Button, Some(Intent::Dismiss)),
            // Not shortcuts.
            ("a", NONE, Page, None),
            (
                "ArrowLeft",
                NONE,
                Page,
                Some(Intent::Travel(TravelIntent::StepBack)),
            ),
            (
                "ArrowLeft",
                SHIFT,
                Page,
                Some(Intent::Travel(TravelIntent::StepBackCheckpoint)),
            ),
            (
                "Home",
                NONE,
                Page,
                Some(Intent::Travel(TravelIntent::Start)),
            ),
            ("End", NONE, Page, Some(Intent::Travel(TravelIntent::End))),
            ("b", NONE, Page, Some(Intent::Travel(TravelIntent::Fork))),
            ("ArrowLeft", NONE, Field, None),
            ("Enter", NONE, Page, None),
            ("", NONE, Page, None),
            // Typing into a field keeps every key there.
            (" ", NONE, Field, None),
            ("?", SHIFT, Field, None),
            ("+", NONE, Field, None),
            ("ArrowRight", NONE, Field, None),
            ("Escape", NONE, Field, None),
            // Browser and system shortcuts are left alone.
            ("+", CTRL, Page, None),
            ("-", CTRL, Page, None),
            ("ArrowRight", ALT, Page, None),
            (" ", META, Page, None),
            ("?", CTRL, Page, None),
        ];
        for (key, modifiers, focus, want) in cases {
            assert_eq!(
                intent_for(key, *modifiers, *focus),
                *want,
                "{key:?} with {modifiers:?} on {focus:?}"
            );
        }
    }

    #[test]
    fn focused_elements_are_classified() {
        use Focus::*;
        // Tag, `type`, `role`, editable text, and what it counts as.
        type Element = (
            &'static str,
            Option<&'static str>,
            Option<&'static str>,
            bool,
        );
        let cases: &[(Element, Focus)] = &[
            (("TEXTAREA", None, None, false), Field),
            (("select", None, None, false), Field),
            (("INPUT", None, None, false), Field),
            (("input", Some("text"), None, false), Field),
            (("input", Some("range"), None, false), Field),
            (("input", Some("file"), None, false), Field),
            (("input", Some("CHECKBOX"), None, false), Page),
            (("input", Some("radio"), None, false), Page),
            (("input", Some("submit"), None, false), Button),
            (("BUTTON", None, None, false), Button),
            (("summary", None, None, false), Button),
            (("div", None, Some("button"), false), Button),
            (("div", None, None, true), Field),
            (("canvas", None, None, false), Page),
            (("BODY", None, None, false), Page),
        ];
        for ((tag, kind, role, editable), want) in cases {
            assert_eq!(
                Focus::of_element(tag, *kind, *role, *editable),
                *want,
                "{tag} type={kind:?} role={role:?} editable={editable}"
            );
        }
    }

    #[test]
    fn the_help_lists_every_mapped_key() {
        let listed: String = SHORTCUTS
            .iter()
            .map(|(k, _)| *k)
            .collect::<Vec<_>>()
            .join(" ");
        for key in [
            "Space",
            "→",
            ".",
            "Shift + →",
            "←",
            "Shift + ←",
            "Home",
            "End",
            "B",
            "+",
            "−",
            "?",
            "Esc",
            "1",
            "2",
            "3",
            "4",
            "5",
            "6",
            "M",
            "P",
            "C",
            "X",
            "S",
            "R",
            "K",
            "L",
        ] {
            assert!(
                listed.split_whitespace().any(|k| k == key) || listed.contains(key),
                "help lists {key}"
            );
        }
        // Every letter the keyboard maps is listed.
        for c in 'a'..='z' {
            let key = c.to_string();
            if intent_for(&key, Modifiers::default(), Focus::Page).is_some() {
                let upper = c.to_ascii_uppercase().to_string();
                assert!(
                    listed.split_whitespace().any(|k| k == upper),
                    "help lists {upper}"
                );
            }
        }
    }
}

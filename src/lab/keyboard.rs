//! Keyboard shortcuts: which key, with which modifiers, where, stands for which intent.
//!
//! Keys: Space play/pause, → step one event, Shift+→ step one checkpoint, + / − speed,
//! ? help, Esc closes help or clears the selection. Keys typed into a field, and keys
//! pressed with Ctrl, Alt or ⌘, are left alone. The browser shell only reads the event
//! and the focused element into these plain values (`ui/keyboard.rs`).

use super::intent::Intent;

/// The shortcuts, as the help overlay lists them.
pub const SHORTCUTS: [(&str, &str); 8] = [
    ("Space", "play / pause"),
    ("→", "step to the next event"),
    ("Shift + →", "step to the end of the next checkpoint"),
    ("+", "faster (× 2)"),
    ("−", "slower (÷ 2)"),
    ("?", "open this help"),
    ("Esc", "close the help, or clear the selection"),
    (
        "Tab",
        "move between controls; Enter or Space presses a button",
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
        "ArrowRight" => Some(Intent::StepEvent),
        "+" | "=" => Some(Intent::SpeedUp),
        "-" | "_" | "−" => Some(Intent::SpeedDown),
        "?" => Some(Intent::ToggleHelp),
        "Escape" | "Esc" => Some(Intent::Dismiss),
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
            ("ArrowRight", NONE, Page, Some(Intent::StepEvent)),
            ("ArrowRight", SHIFT, Page, Some(Intent::StepCheckpoint)),
            ("ArrowRight", NONE, Button, Some(Intent::StepEvent)),
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
            ("ArrowLeft", NONE, Page, None),
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
        let listed: Vec<&str> = SHORTCUTS.iter().map(|(k, _)| *k).collect();
        for key in ["Space", "→", "Shift + →", "+", "−", "?", "Esc"] {
            assert!(listed.contains(&key), "help lists {key}");
        }
    }
}

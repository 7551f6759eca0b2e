//! Keyboard shortcuts, and the small event-listener guard the root uses for window and
//! document events.
//!
//! Keys: Space play/pause, → step one event, Shift+→ step one checkpoint, + / − speed,
//! ? help, Esc closes help or clears the selection. Keys typed into a field, and keys
//! pressed with Ctrl, Alt or ⌘, are left alone.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::Callback;

use super::lab::Intent;

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

/// An event listener that is removed when dropped.
pub struct Listener {
    target: web_sys::EventTarget,
    event: &'static str,
    callback: Closure<dyn FnMut(web_sys::Event)>,
}

impl Listener {
    pub fn new(
        target: web_sys::EventTarget,
        event: &'static str,
        f: impl FnMut(web_sys::Event) + 'static,
    ) -> Self {
        let callback = Closure::<dyn FnMut(web_sys::Event)>::new(f);
        let _ = target.add_event_listener_with_callback(event, callback.as_ref().unchecked_ref());
        Self {
            target,
            event,
            callback,
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.target.remove_event_listener_with_callback(
            self.event,
            self.callback.as_ref().unchecked_ref(),
        );
    }
}

/// Listens for shortcuts on the window and sends their intents.
pub fn install(dispatch: Callback<Intent>) -> Listener {
    let window: web_sys::EventTarget = web_sys::window().expect("a browser window").into();
    Listener::new(window, "keydown", move |event| {
        let Ok(event) = event.dyn_into::<web_sys::KeyboardEvent>() else {
            return;
        };
        if event.ctrl_key() || event.meta_key() || event.alt_key() || event.default_prevented() {
            return;
        }
        if typing_into_a_field(&event) {
            return;
        }
        if let Some(intent) = intent_for(&event.key(), event.shift_key(), on_a_button(&event)) {
            event.prevent_default();
            dispatch.emit(intent);
        }
    })
}

/// Calls `notify` whenever the page is hidden or shown again.
pub fn on_visibility_change(notify: Callback<()>) -> Listener {
    let document: web_sys::EventTarget = web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
        .into();
    Listener::new(document, "visibilitychange", move |_| notify.emit(()))
}

/// The intent a key stands for. Space on a focused button presses that button instead.
pub fn intent_for(key: &str, shift: bool, on_button: bool) -> Option<Intent> {
    match key {
        " " | "Spacebar" if !on_button => Some(Intent::TogglePlay),
        "ArrowRight" if shift => Some(Intent::StepCheckpoint),
        "ArrowRight" => Some(Intent::StepEvent),
        "+" | "=" => Some(Intent::SpeedUp),
        "-" | "_" | "−" => Some(Intent::SpeedDown),
        "?" => Some(Intent::ToggleHelp),
        "Escape" | "Esc" => Some(Intent::Dismiss),
        _ => None,
    }
}

fn typing_into_a_field(event: &web_sys::KeyboardEvent) -> bool {
    let Some(target) = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return false;
    };
    let tag = target.tag_name().to_ascii_lowercase();
    if tag == "textarea" || tag == "select" {
        return true;
    }
    if tag == "input" {
        // A checkbox or a button-like input takes no text; shortcuts stay on there. A
        // slider keeps its keys (arrows, +/−) to itself.
        let kind = target
            .get_attribute("type")
            .unwrap_or_default()
            .to_ascii_lowercase();
        return !matches!(
            kind.as_str(),
            "checkbox" | "radio" | "button" | "submit" | "reset"
        );
    }
    target
        .dyn_ref::<web_sys::HtmlElement>()
        .is_some_and(|e| e.is_content_editable())
}

fn on_a_button(event: &web_sys::KeyboardEvent) -> bool {
    event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|e| {
            let tag = e.tag_name().to_ascii_lowercase();
            tag == "button"
                || tag == "summary"
                || e.get_attribute("role").as_deref() == Some("button")
        })
}

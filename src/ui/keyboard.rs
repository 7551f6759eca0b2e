//! Keyboard shortcuts in the page: reads a `keydown` event and the element it was typed
//! into, and sends the intent `lab::keyboard` maps it to.

use wasm_bindgen::JsCast;
use yew::Callback;

use std::cell::Cell;
use std::rc::Rc;

use super::browser::Listener;
use crate::lab::intent::Intent;
use crate::lab::keyboard::{intent_for, Focus, Modifiers};
use crate::lab::lesson::keys::lesson_intent;

/// Listens for shortcuts on the window and sends their intents; while `in_lesson` says a
/// lesson is open, its keys (→ / ← / PageDown / PageUp) go to the lesson first.
pub fn install(dispatch: Callback<Intent>, in_lesson: Rc<Cell<bool>>) -> Listener {
    let window: web_sys::EventTarget = web_sys::window().expect("a browser window").into();
    Listener::new(window, "keydown", move |event| {
        let Ok(event) = event.dyn_into::<web_sys::KeyboardEvent>() else {
            return;
        };
        if event.default_prevented() {
            return;
        }
        let modifiers = Modifiers {
            shift: event.shift_key(),
            ctrl: event.ctrl_key(),
            alt: event.alt_key(),
            meta: event.meta_key(),
        };
        let (key, focus) = (event.key(), focus_of(&event));
        let lesson = in_lesson
            .get()
            .then(|| lesson_intent(&key, modifiers, focus))
            .flatten();
        if let Some(intent) = lesson.or_else(|| intent_for(&key, modifiers, focus)) {
            event.prevent_default();
            dispatch.emit(intent);
        }
    })
}

/// What the key was typed into: the event's target element, classified by `lab`.
fn focus_of(event: &web_sys::KeyboardEvent) -> Focus {
    let Some(target) = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return Focus::Page;
    };
    let editable = target
        .dyn_ref::<web_sys::HtmlElement>()
        .is_some_and(|e| e.is_content_editable());
    Focus::of_element(
        &target.tag_name(),
        target.get_attribute("type").as_deref(),
        target.get_attribute("role").as_deref(),
        editable,
    )
}

//! Keyboard shortcuts in the page: reads a `keydown` event and the element it was typed
//! into, and sends the intent `lab::keyboard` maps it to. Also the small event-listener
//! guard the root uses for window and document events.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::Callback;

use crate::lab::intent::Intent;
use crate::lab::keyboard::{intent_for, Focus, Modifiers};

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
        if event.default_prevented() {
            return;
        }
        let modifiers = Modifiers {
            shift: event.shift_key(),
            ctrl: event.ctrl_key(),
            alt: event.alt_key(),
            meta: event.meta_key(),
        };
        if let Some(intent) = intent_for(&event.key(), modifiers, focus_of(&event)) {
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

//! Copying the run's link: through the browser's clipboard when it allows, otherwise the
//! link is shown selected for the person to copy (`notices::ShareLink`).

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::Callback;

use super::notices::SHARE_LINK_ID;

type PromiseCallback = Closure<dyn FnMut(JsValue)>;

#[derive(Default)]
pub struct Clipboard {
    /// Kept until the next copy: the browser's promise calls one of them later.
    callbacks: Option<(PromiseCallback, PromiseCallback)>,
}

impl Clipboard {
    /// Writes `text`; `done` receives `Ok(())`, or `Err(text)` when the browser refused
    /// or has no clipboard (outside a secure context).
    pub fn copy(&mut self, text: String, done: Callback<Result<(), String>>) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let navigator = window.navigator();
        // `navigator.clipboard` is missing outside secure contexts; calling into it then
        // would throw, so look first.
        let has_clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
            .is_ok_and(|c| !c.is_undefined() && !c.is_null());
        if !has_clipboard {
            done.emit(Err(text));
            return;
        }
        let promise = navigator.clipboard().write_text(&text);
        let ok = done.clone();
        let on_ok = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| ok.emit(Ok(())));
        let on_err =
            Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| done.emit(Err(text.clone())));
        let _ = promise.then2(&on_ok, &on_err);
        self.callbacks = Some((on_ok, on_err));
    }
}

/// Focuses and selects the shown link, so Ctrl+C copies it; leaves it alone once the
/// person is in it.
pub fn select_shown_link() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(input) = document
        .get_element_by_id(SHARE_LINK_ID)
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    if document
        .active_element()
        .is_none_or(|a| a.id() != SHARE_LINK_ID)
    {
        let _ = input.focus();
        input.select();
    }
}

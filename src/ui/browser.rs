//! What the shell asks the browser directly: the wall clock, reduced motion, whether the
//! tab is hidden (and when that changes). Each answer has a harmless default outside a
//! browser window.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::Callback;

/// The page's wall clock in ms (`performance.now()`).
pub fn perf_now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Whether the person asked their system for reduced motion.
pub fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|m| m.matches())
}

/// Where the page keeps what it remembers between visits (`lab::prefs`).
const PREFS_KEY: &str = "statelab.prefs";

/// What the page remembered, or "" (nothing stored, or storage refused: private modes).
pub fn load_prefs() -> String {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(PREFS_KEY).ok().flatten())
        .unwrap_or_default()
}

/// Remembers `text`; a browser that refuses storage just forgets.
pub fn save_prefs(text: &str) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(PREFS_KEY, text);
    }
}

/// Whether the tab is hidden (another tab in front, a minimised window).
pub fn document_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

/// Calls `notify` whenever the page is hidden or shown again.
pub fn on_visibility_change(notify: Callback<()>) -> Listener {
    let document: web_sys::EventTarget = web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
        .into();
    Listener::new(document, "visibilitychange", move |_| notify.emit(()))
}

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

/// Hands `file` to the browser to save (an object URL clicked through a hidden link).
pub fn download(file: &crate::lab::export::Download) {
    use wasm_bindgen::JsCast;
    let saved = (|| -> Option<()> {
        let document = web_sys::window()?.document()?;
        let bytes = js_sys::Uint8Array::from(file.bytes.as_slice());
        let parts = js_sys::Array::of1(&bytes);
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(file.mime);
        let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
        let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
        let a: web_sys::HtmlAnchorElement = document.create_element("a").ok()?.dyn_into().ok()?;
        a.set_href(&url);
        a.set_download(&file.name);
        a.click();
        // Revoked later: some browsers read the URL after the click returns.
        gloo_timers::callback::Timeout::new(60_000, move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        })
        .forget();
        Some(())
    })();
    if saved.is_none() {
        web_sys::console::error_1(&format!("could not save {}", file.name).into());
    }
}

//! The address bar: reads the page's query and replaces it, so that a reload or a shared
//! link reproduces the run. What goes into the query is `lab::url`'s business.

use crate::lab::url;

/// The current page's query string (`?…`), or "" outside a browser.
pub fn current_search() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// Whether the page was opened with `?key=value`.
pub fn query_has(key: &str, value: &str) -> bool {
    url::query_has(&current_search(), key, value)
}

/// The page's address without its query (`http://host/path`), for shared links.
pub fn page_address() -> String {
    let Some(window) = web_sys::window() else {
        return String::new();
    };
    let location = window.location();
    let origin = location.origin().unwrap_or_default();
    let path = location.pathname().unwrap_or_else(|_| "/".into());
    format!("{origin}{path}")
}

/// Replaces the address bar's query with `settings` (a `lab::url::to_query` string),
/// keeping the page's debug switches, without a new history entry.
pub fn replace_query(settings: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    let path = location.pathname().unwrap_or_else(|_| "/".into());
    let query = url::address_query(settings, &location.search().unwrap_or_default());
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("{path}?{query}")),
        );
    }
}

/// Sets (or drops) the page switch `key=1` in the address bar, keeping the rest of it,
/// without a new history entry.
pub fn set_flag(key: &str, on: bool) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    let path = location.pathname().unwrap_or_else(|_| "/".into());
    let query = url::with_flag(&location.search().unwrap_or_default(), key, on);
    let address = if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&address));
    }
}

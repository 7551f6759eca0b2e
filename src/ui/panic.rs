//! Wasm panics, made visible.
//!
//! On wasm32 a panic aborts the instance: every later call into it traps, so the page
//! freezes. The hook therefore talks to the DOM through web-sys directly (Yew may never
//! run again): it logs the message and location to the console and puts an error banner
//! at the top of `<body>`.

use std::panic::PanicHookInfo;

/// The id of the banner element; the browser tests look for it.
pub const BANNER_ID: &str = "panic-banner";

/// Installs the panic hook. Call once, before the app is rendered: Yew keeps a hook set
/// through `set_custom_panic_hook` instead of replacing it with its default.
pub fn install_hook() {
    yew::set_custom_panic_hook(Box::new(on_panic));
}

/// Whether the page was opened with `?panic=test` (a debug switch for the browser tests).
pub fn debug_panic_requested() -> bool {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .is_some_and(|search| query_has(&search, "panic", "test"))
}

/// Whether a URL query string (`?a=b&c=d`, with or without the `?`) has `key=value`.
fn query_has(search: &str, key: &str, value: &str) -> bool {
    search
        .trim_start_matches('?')
        .split('&')
        .any(|pair| pair.split_once('=') == Some((key, value)))
}

/// "`message` at `file:line:column`", from what the panic carries.
fn describe(info: &PanicHookInfo<'_>) -> String {
    // `PanicHookInfo::payload_as_str` would do this, but it is newer than our MSRV (1.85).
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    match info.location() {
        Some(loc) => format!(
            "{message} at {}:{}:{}",
            loc.file(),
            loc.line(),
            loc.column()
        ),
        None => message.to_owned(),
    }
}

fn on_panic(info: &PanicHookInfo<'_>) {
    let what = describe(info);
    // An Error object, so that the console also shows the JavaScript stack.
    web_sys::console::error_1(&js_sys::Error::new(&format!("statelab panicked: {what}")));
    show_banner(&what);
}

/// Puts (or refreshes) the error banner at the top of `<body>`. Every step is fallible
/// and failures are ignored: a panic inside the panic hook would abort without a trace.
fn show_banner(what: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = document.body() else {
        return;
    };
    let banner = match document.get_element_by_id(BANNER_ID) {
        Some(existing) => existing,
        None => match document.create_element("div") {
            Ok(created) => created,
            Err(_) => return,
        },
    };
    let _ = banner.set_attribute("id", BANNER_ID);
    let _ = banner.set_attribute("role", "alert");
    banner.set_text_content(None);
    let parts = [
        (
            "strong",
            "statelab stopped after an internal error and no longer responds. ",
        ),
        ("span", "Reload the page to start again."),
        ("code", what),
    ];
    for (tag, text) in parts {
        if let Ok(part) = document.create_element(tag) {
            part.set_text_content(Some(text));
            let _ = banner.append_child(&part);
        }
    }
    let _ = body.prepend_with_node_1(&banner);
}

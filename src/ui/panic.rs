//! Fatal failures, made visible: a wasm panic, and a wasm trap that never was a panic.
//!
//! On wasm32 a panic aborts the instance, and an allocation that fails (the tab's memory
//! is exhausted) aborts it without running any panic hook: both end as a trap, a
//! `RuntimeError: unreachable`, thrown to the page. Later calls into the instance still
//! run, but on whatever state the abort left behind, so they may panic in turn (a
//! `RefCell` left borrowed, say); those are consequences, not the failure.
//!
//! So:
//! - the panic hook logs the message and location to the console and puts an error
//!   banner at the top of `<body>`, talking to the DOM through web-sys directly (Yew may
//!   never run again); the first failure keeps the banner, later ones only go to the
//!   console;
//! - a listener written in JavaScript (it must not need the broken instance) turns a trap
//!   with no panic before it into a banner saying the engine stopped, out of memory or on
//!   a fatal error, with the size the instance's memory had reached;
//! - both mark the job's status as stopped, and [`stopped`] tells the frame loop, the
//!   charts' timer and the pipeline's painter to stop calling into the instance.

use std::panic::PanicHookInfo;
use std::sync::atomic::{AtomicBool, Ordering};

use wasm_bindgen::{JsCast, JsValue};

/// The id of the banner element; the browser tests look for it.
pub const BANNER_ID: &str = "panic-banner";

/// Set by the panic hook; a trap without a panic is seen through the banner instead.
static STOPPED: AtomicBool = AtomicBool::new(false);

/// Installs the panic hook and the trap listener. Call once, before the app is rendered:
/// Yew keeps a hook set through `set_custom_panic_hook` instead of replacing it with its
/// default.
pub fn install_hook() {
    yew::set_custom_panic_hook(Box::new(on_panic));
    install_trap_listener();
}

/// Whether a fatal failure happened: nothing should call into the engine or Yew again.
pub fn stopped() -> bool {
    STOPPED.load(Ordering::Relaxed)
        || web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| d.get_element_by_id(BANNER_ID).is_some())
}

/// Whether the page was opened with `?panic=test` (a debug switch for the browser tests).
pub fn debug_panic_requested() -> bool {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .is_some_and(|search| query_has(&search, "panic", "test"))
}

/// Whether the page was opened with `?panic=oom`: the browser tests' way to exhaust the
/// tab's memory for real and see the trap reported.
pub fn debug_oom_requested() -> bool {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .is_some_and(|search| query_has(&search, "panic", "oom"))
}

/// Allocates 256 MiB blocks (untouched, so the machine lends address space, not memory)
/// until an allocation fails, as a job too large for the tab would. Only for `?panic=oom`.
pub fn exhaust_memory() {
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    loop {
        blocks.push(Vec::with_capacity(256 << 20));
        std::hint::black_box(&blocks);
    }
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
    let first = !stopped();
    STOPPED.store(true, Ordering::Relaxed);
    if !first {
        // A consequence of the failure the banner already shows: logged, not shown.
        web_sys::console::warn_1(&JsValue::from_str(&format!(
            "statelab: a later panic after the engine stopped: {what}"
        )));
        return;
    }
    // An Error object, so that the console also shows the JavaScript stack.
    web_sys::console::error_1(&js_sys::Error::new(&format!("statelab panicked: {what}")));
    show_banner(&what);
}

/// Puts the error banner at the top of `<body>` and marks the job as stopped. Every step
/// is fallible and failures are ignored: a panic inside the panic hook would abort
/// without a trace.
fn show_banner(what: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = document.body() else {
        return;
    };
    let Ok(banner) = document.create_element("div") else {
        return;
    };
    let _ = banner.set_attribute("id", BANNER_ID);
    let _ = banner.set_attribute("role", "alert");
    let _ = banner.set_attribute("data-failure", "panic");
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
    mark_status_stopped(&document);
}

/// The top bar's status badge says "stopped": Yew will not redraw it any more.
fn mark_status_stopped(document: &web_sys::Document) {
    if let Some(status) = document.get_element_by_id("job-status") {
        let _ = status.set_attribute("class", "status status-stopped");
        let _ = status.set_attribute("data-status", "stopped");
        status.set_text_content(None);
        if let Ok(dot) = document.create_element("span") {
            let _ = dot.set_attribute("class", "status-dot");
            let _ = dot.set_attribute("aria-hidden", "true");
            let _ = status.append_child(&dot);
        }
        let _ = status.append_with_str_1("stopped");
    }
}

/// The trap listener's body, in JavaScript: it runs after the instance trapped, so it
/// must not call into it. `memory` is the instance's `WebAssembly.Memory`.
const TRAP_LISTENER: &str = r#"
const error = event.reason !== undefined ? event.reason : event.error;
if (!(error instanceof WebAssembly.RuntimeError)) return;
if (document.getElementById('panic-banner')) return;
const mib = Math.round(memory.buffer.byteLength / 1048576);
const banner = document.createElement('div');
banner.id = 'panic-banner';
banner.setAttribute('role', 'alert');
banner.dataset.failure = 'trap';
banner.dataset.memoryBytes = String(memory.buffer.byteLength);
const add = (tag, text) => {
  const part = document.createElement(tag);
  part.textContent = text;
  banner.appendChild(part);
};
add('strong', 'The engine stopped: out of memory or a fatal error. ');
add('span', 'Its WebAssembly memory had grown to ' + mib.toLocaleString('en') + ' MiB ' +
  '(a tab can address at most 4,096 MiB, and may get less). Reload the page; a run with ' +
  'fewer keys, smaller values or fewer retained checkpoints needs less memory.');
add('code', String(error));
document.body.prepend(banner);
const status = document.getElementById('job-status');
if (status) {
  status.className = 'status status-stopped';
  status.dataset.status = 'stopped';
  status.textContent = '';
  const dot = document.createElement('span');
  dot.className = 'status-dot';
  dot.setAttribute('aria-hidden', 'true');
  status.append(dot, 'stopped');
}
"#;

/// Listens for traps on the window (`error`, and `unhandledrejection` for those inside a
/// promise's callback). Installed once, for the page's lifetime.
fn install_trap_listener() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let listener = js_sys::Function::new_with_args("memory, event", TRAP_LISTENER)
        .bind1(&JsValue::NULL, &wasm_bindgen::memory());
    for event in ["error", "unhandledrejection"] {
        let _ = window.add_event_listener_with_callback(event, listener.unchecked_ref());
    }
}

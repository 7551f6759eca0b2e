//! The animation-frame loop: at most one `requestAnimationFrame` pending, cancelled when
//! the tab hides or the lab goes away; and, with `?perf=1`, a console line for each frame
//! whose work took long, split into engine, publish and render.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::Callback;

use crate::ui::browser::perf_now;

/// A frame whose work (engine, publishing, rendering) took longer is logged.
const SLOW_FRAME_MS: f64 = 12.0;

/// The pending animation frame; dropping it would free the callback the browser holds.
struct Pending {
    handle: i32,
    _callback: Closure<dyn FnMut(f64)>,
}

#[derive(Default)]
pub struct FrameLoop {
    pending: Option<Pending>,
}

impl FrameLoop {
    /// Asks for the next animation frame, unless one is already coming; `on_frame`
    /// receives its timestamp (wall ms).
    pub fn request(&mut self, on_frame: Callback<f64>) {
        // After a fatal failure (see `panic.rs`) no frame calls into the engine again.
        if self.pending.is_some() || crate::ui::panic::stopped() {
            return;
        }
        let Some(window) = web_sys::window() else {
            return;
        };
        let callback = Closure::once(move |ts: f64| {
            if !crate::ui::panic::stopped() {
                on_frame.emit(ts);
            }
        });
        if let Ok(handle) = window.request_animation_frame(callback.as_ref().unchecked_ref()) {
            self.pending = Some(Pending {
                handle,
                _callback: callback,
            });
        }
    }

    /// The requested frame came.
    pub fn arrived(&mut self) {
        self.pending = None;
    }

    /// Takes back the frame requested, if any.
    pub fn cancel(&mut self) {
        if let (Some(pending), Some(window)) = (self.pending.take(), web_sys::window()) {
            let _ = window.cancel_animation_frame(pending.handle);
        }
    }
}

/// `?perf=1`: when the frame's engine work started, when publishing started and ended.
#[derive(Default)]
pub struct SlowFrameLog {
    marks: Option<(f64, f64, f64)>,
}

impl SlowFrameLog {
    pub fn worked(&mut self, engine_from: f64, publish_from: f64, publish_to: f64) {
        self.marks = Some((engine_from, publish_from, publish_to));
    }

    /// After the frame rendered: logs it if it was slow.
    pub fn rendered(&mut self) {
        let Some((t0, t1, t2)) = self.marks.take() else {
            return;
        };
        let t3 = perf_now();
        if t3 - t0 > SLOW_FRAME_MS {
            web_sys::console::log_1(
                &format!(
                    "statelab slow frame: {:.1} ms (engine {:.1}, publish {:.1}, render {:.1})",
                    t3 - t0,
                    t1 - t0,
                    t2 - t1,
                    t3 - t2
                )
                .into(),
            );
        }
    }
}

//! The sweep's Web Workers, owned by the app: started, sent jobs and terminated as the
//! session's [`Order`]s say, their messages carried back as callbacks. Each worker runs
//! `src/bin/statelab-sweep-worker.rs`, which Trunk writes next to the page with a loader
//! shim (`index.html`). A pool generation tags every message, so a worker terminated by
//! a cancel cannot speak into the sweep that replaced it.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, MessageEvent, Worker};
use yew::Callback;

use crate::lab::sweep::Order;

/// The script Trunk writes for the worker binary (it loads the wasm-bindgen glue and the
/// wasm next to it).
pub const WORKER_SCRIPT: &str = "./statelab-sweep-worker_loader.js";

/// A message from worker `worker` of pool generation `generation`.
pub enum WorkerEvent {
    Reply {
        generation: u64,
        worker: usize,
        text: String,
    },
    Failed {
        generation: u64,
        worker: usize,
        why: String,
    },
}

struct Running {
    worker: Worker,
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_error: Closure<dyn Fn(ErrorEvent)>,
}

#[derive(Default)]
pub struct Workers {
    generation: u64,
    /// By worker index; `None` where the browser refused to start one.
    running: Vec<Option<Running>>,
}

impl Workers {
    /// Whether a message belongs to the pool running now.
    pub fn current(&self, generation: u64) -> bool {
        generation == self.generation
    }

    /// Carries out the session's orders; events come back through `events`.
    pub fn perform(&mut self, orders: Vec<Order>, events: &Callback<WorkerEvent>) {
        for order in orders {
            match order {
                Order::Start { workers } => {
                    self.terminate();
                    for i in 0..workers {
                        self.start(i, events);
                    }
                }
                Order::Post { worker, text } => {
                    let sent = self
                        .running
                        .get(worker)
                        .and_then(Option::as_ref)
                        .map(|r| r.worker.post_message(&text.into()));
                    if let Some(Err(e)) = sent {
                        events.emit(WorkerEvent::Failed {
                            generation: self.generation,
                            worker,
                            why: format!("the job could not be sent: {e:?}"),
                        });
                    }
                }
                Order::Terminate => self.terminate(),
            }
        }
    }

    fn start(&mut self, i: usize, events: &Callback<WorkerEvent>) {
        let generation = self.generation;
        let worker = match Worker::new(WORKER_SCRIPT) {
            Ok(w) => w,
            Err(e) => {
                events.emit(WorkerEvent::Failed {
                    generation,
                    worker: i,
                    why: format!("the browser refused to start a worker ({e:?})"),
                });
                self.running.push(None);
                return;
            }
        };
        let on_message = {
            let events = events.clone();
            Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
                events.emit(WorkerEvent::Reply {
                    generation,
                    worker: i,
                    text: e.data().as_string().unwrap_or_default(),
                })
            })
        };
        let on_error = {
            let events = events.clone();
            Closure::<dyn Fn(ErrorEvent)>::new(move |e: ErrorEvent| {
                let why = if e.message().is_empty() {
                    "its script could not be loaded".to_string()
                } else {
                    e.message()
                };
                events.emit(WorkerEvent::Failed {
                    generation,
                    worker: i,
                    why,
                })
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        self.running.push(Some(Running {
            worker,
            _on_message: on_message,
            _on_error: on_error,
        }));
    }

    /// Stops every worker at once (mid-cell included) and starts a new generation.
    pub fn terminate(&mut self) {
        for r in self.running.drain(..).flatten() {
            r.worker.set_onmessage(None);
            r.worker.set_onerror(None);
            r.worker.terminate();
        }
        self.generation += 1;
    }
}

/// The cores the browser reports (`navigator.hardwareConcurrency`), at least one.
pub fn cores() -> usize {
    web_sys::window()
        .map(|w| w.navigator().hardware_concurrency())
        .filter(|n| n.is_finite() && *n >= 1.0)
        .map_or(1, |n| n as usize)
}

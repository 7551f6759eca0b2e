//! The sweep's Web Worker: Trunk builds this binary as a worker (`data-type="worker"` in
//! index.html, loaded through the `_loader.js` shim it writes), and the page starts one
//! per core. Each runs its own copy of the engine: it takes a job (a sweep cell) as JSON
//! text, posts progress and then the cell's result, as `lab::sweep::job::Worker` decides.
//! All the logic is there, tested natively; this file only carries messages.

#[cfg(target_arch = "wasm32")]
fn main() {
    use std::cell::RefCell;

    use statelab::lab::sweep::job::{Reply, Worker};
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let post = {
        let scope = scope.clone();
        move |reply: &Reply| {
            // A reply that cannot be posted has nowhere to go: the page notices the
            // missing answer when the worker is terminated or errors.
            let _ = scope.post_message(&JsValue::from_str(&reply.to_json()));
        }
    };
    let worker = RefCell::new(Worker::default());
    let on_message = {
        let post = post.clone();
        Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
            let text = e.data().as_string().unwrap_or_default();
            let reply = worker.borrow_mut().handle(&text, &post);
            post(&reply);
        })
    };
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The worker lives as long as its scope: the handler must too.
    on_message.forget();
    // Messages sent before the handler existed would be lost: the page waits for this.
    post(&Reply::Ready);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("statelab-sweep-worker is the browser's sweep worker; it runs only in a page.");
    eprintln!("Natively, run a sweep with `cargo run --bin statelab-cli -- sweep --help`.");
    std::process::exit(2);
}

//! `?selftest=digest`: runs the engine's reference scenario in the browser and shows its
//! digest in `<output id="digest">`, so the browser tests can check that the wasm build
//! computes exactly what the native build does.

use yew::prelude::*;

use crate::engine::selfcheck::reference_digest;

#[function_component(SelfTest)]
pub fn self_test() -> Html {
    let digest = use_state(|| None::<String>);
    {
        let digest = digest.clone();
        use_effect_with((), move |_| {
            // After the first paint, so the page shows it is working meanwhile.
            let timeout = gloo_timers::callback::Timeout::new(0, move || {
                digest.set(Some(reference_digest()));
            });
            timeout.forget();
        });
    }
    html! {
        <main class="selftest">
            <h1>{ "statelab self-test" }</h1>
            <p>{ "The engine's reference run (Zipf keys, events state, LZ4, incremental \
                   checkpoints, a crash and a rescale), computed in this browser:" }</p>
            <p>
                { "digest: " }
                if let Some(d) = (*digest).clone() {
                    <output id="digest" data-ready="true">{ d }</output>
                } else {
                    <output id="digest-pending">{ "computing…" }</output>
                }
            </p>
        </main>
    }
}

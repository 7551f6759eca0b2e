//! The metrics region. It names what will be measured; no figure is shown until the engine
//! produces one.

use yew::prelude::*;

/// What the region will report once the engine runs.
const COMING: [&str; 4] = [
    "Checkpoint size and duration",
    "Bytes uploaded per checkpoint",
    "Key groups moved on rescale",
    "Recovery time and replayed records",
];

#[function_component(Metrics)]
pub fn metrics() -> Html {
    html! {
        <section class="panel metrics" data-region="metrics" aria-labelledby="metrics-heading">
            <h2 id="metrics-heading">{ "Metrics" }</h2>
            <p class="placeholder">{ "No run yet: figures appear here once the engine runs." }</p>
            <ul class="metric-list">
                { for COMING.iter().map(|name| html! {
                    <li><span class="metric-name">{ *name }</span><span class="metric-value">{ "—" }</span></li>
                }) }
            </ul>
        </section>
    }
}

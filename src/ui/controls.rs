//! The controls region: the run's configuration in panels (Workload, Partitioning,
//! Compression, Checkpointing, Link and store) and the Faults panel.
//!
//! Panels read `LabState` from the context and send intents; they never hold a
//! simulation. A configuration is sent only after the engine's own validation accepted
//! it, and each group says whether its settings apply live or restart the job (the root
//! decides, and reports what it did through `LabState::notice`).

mod faults;
mod field;
mod groups;

use yew::prelude::*;

use crate::ui::context::LabState;

#[function_component(Controls)]
pub fn controls() -> Html {
    let lab = use_context::<LabState>();
    html! {
        <aside class="panel controls" data-region="controls" aria-labelledby="controls-heading">
            <h2 id="controls-heading">{ "Controls" }</h2>
            {
                match lab {
                    Some(lab) => html! { <groups::Groups lab={lab} /> },
                    None => html! {
                        <p class="placeholder waiting" data-testid="controls-waiting">
                            { "Waiting for the lab: the panels appear once the simulation \
                               is running in this page." }
                        </p>
                    },
                }
            }
        </aside>
    }
}

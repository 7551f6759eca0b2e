//! The Settings tab: the run's seed and link, and its configuration in collapsible groups
//! (Workload, Partitioning, Compression, Checkpointing, Link and store) that remember
//! whether they were open. Faults are actions on the running job: they live in the
//! action bar under the pipeline.
//!
//! Panels read `LabState` from the context and send intents; they never hold a
//! simulation. A configuration is sent only after the engine's own validation accepted
//! it, and each group says whether its settings apply live or restart the job (the root
//! decides, and reports what it did through `LabState::notice`).

mod field;
mod groups;
mod run;
mod trace_preview;

use yew::prelude::*;

use crate::ui::context::LabState;

#[function_component(Controls)]
pub fn controls() -> Html {
    let lab = use_context::<LabState>();
    html! {
        <section class="controls" data-region="controls" aria-labelledby="controls-heading">
            <h2 id="controls-heading" class="visually-hidden">{ "Settings" }</h2>
            {
                match lab {
                    Some(lab) => html! {
                        <>
                            <run::Run lab={lab.clone()} />
                            <groups::Groups lab={lab} />
                        </>
                    },
                    None => html! {
                        <p class="placeholder waiting" data-testid="controls-waiting">
                            { "Waiting for the lab: the panels appear once the simulation \
                               is running in this page." }
                        </p>
                    },
                }
            }
        </section>
    }
}

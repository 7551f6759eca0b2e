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
mod specs;

use yew::prelude::*;

use crate::ui::lab::LabState;

/// Until the root provides `LabState`, the old shell passes its large-font switch in;
/// the root that provides the context renders `<Controls />` with no props, and the
/// switch then lives with the root.
#[derive(Properties, PartialEq, Default)]
pub struct ControlsProps {
    #[prop_or_default]
    pub large_font: bool,
    #[prop_or_default]
    pub on_toggle_large_font: Option<Callback<MouseEvent>>,
}

#[function_component(Controls)]
pub fn controls(props: &ControlsProps) -> Html {
    let lab = use_context::<LabState>();
    let legacy_font_switch = props.on_toggle_large_font.clone().map(|onclick| {
        let label = if props.large_font {
            "Large font: on"
        } else {
            "Large font: off"
        };
        html! {
            <section class="control-group">
                <h3>{ "Display" }</h3>
                <button type="button" class="toggle" id="large-font-toggle"
                        aria-pressed={props.large_font.to_string()} {onclick}>
                    { label }
                </button>
                <p class="hint">{ "Bigger text for projecting the lab in a lecture." }</p>
            </section>
        }
    });
    html! {
        <aside class="panel controls" data-region="controls" aria-labelledby="controls-heading">
            <h2 id="controls-heading">{ "Controls" }</h2>
            { legacy_font_switch.unwrap_or_default() }
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

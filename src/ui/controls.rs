//! The controls region. For now it holds the display switch only; the scenario controls
//! (parallelism, checkpoint interval, compression, faults) arrive with the engine.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    /// Whether the large font for projection is on.
    pub large_font: bool,
    /// Flips `large_font`.
    pub on_toggle_large_font: Callback<MouseEvent>,
}

#[function_component(Controls)]
pub fn controls(props: &ControlsProps) -> Html {
    let label = if props.large_font {
        "Large font: on"
    } else {
        "Large font: off"
    };
    html! {
        <aside class="panel controls" data-region="controls" aria-labelledby="controls-heading">
            <h2 id="controls-heading">{ "Controls" }</h2>
            <section class="control-group">
                <h3>{ "Display" }</h3>
                <button
                    type="button"
                    class="toggle"
                    id="large-font-toggle"
                    aria-pressed={props.large_font.to_string()}
                    onclick={props.on_toggle_large_font.clone()}
                >
                    { label }
                </button>
                <p class="hint">{ "Bigger text for projecting the lab in a lecture." }</p>
            </section>
            <section class="control-group">
                <h3>{ "Scenario" }</h3>
                <p class="placeholder">
                    { "Parallelism, checkpoint interval, compression and faults arrive with \
                       the engine. Nothing here is simulated yet." }
                </p>
            </section>
        </aside>
    }
}

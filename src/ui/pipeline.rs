//! The pipeline view region: a canvas the live view will draw on once the engine runs.

use yew::prelude::*;

#[function_component(Pipeline)]
pub fn pipeline() -> Html {
    html! {
        <section class="panel pipeline" data-region="pipeline" aria-labelledby="pipeline-heading">
            <h2 id="pipeline-heading">{ "Pipeline" }</h2>
            <div class="canvas-frame">
                <canvas
                    class="pipeline-canvas"
                    width="960"
                    height="480"
                    aria-label="Pipeline view (empty until the engine arrives)"
                />
                <p class="canvas-note">
                    { "The live view of sources, keyed subtasks, barriers and state uploads \
                       arrives with the engine." }
                </p>
            </div>
        </section>
    }
}

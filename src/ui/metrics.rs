//! The metrics region: checkpoint counts, the exactly-once verdict after a recovery,
//! charts, the seed document's formulas with live numbers, Flink's checkpoint history
//! and summary, and the event log. Everything drawn comes from `LabState`.

mod charts;
mod events;
mod history;
mod model;
mod recovery;
mod whatif;

use yew::prelude::*;

use crate::ui::context::LabState;

#[function_component(Metrics)]
pub fn metrics() -> Html {
    let Some(lab) = use_context::<LabState>() else {
        return html! {
            <section class="panel metrics" data-region="metrics" aria-labelledby="metrics-heading">
                <h2 id="metrics-heading">{ "Metrics" }</h2>
                <p class="placeholder waiting" data-testid="metrics-waiting">
                    { "Waiting for the lab: figures appear here once the simulation runs in \
                       this page. Nothing shown here is invented." }
                </p>
            </section>
        };
    };
    let view = &lab.view;
    html! {
        <section class="panel metrics" data-region="metrics" aria-labelledby="metrics-heading">
            <h2 id="metrics-heading">{ "Metrics" }</h2>
            <div class="metrics-body">
                <section class="metrics-block" aria-labelledby="m-counts">
                    <h3 id="m-counts">{ "Checkpoints" }</h3>
                    <history::Counts counts={view.counts.clone()} />
                </section>
                <section class="metrics-block" aria-labelledby="m-recovery">
                    <h3 id="m-recovery">{ "Recovery" }</h3>
                    <recovery::Recovery recovery={view.latest_recovery.clone()}
                        restored={view.counts.restored} source_offset={view.source.offset} />
                </section>
                <section class="metrics-block wide" aria-labelledby="m-charts">
                    <h3 id="m-charts">{ "Over time" }</h3>
                    <charts::Charts lab={lab.clone()} />
                </section>
                <section class="metrics-block" aria-labelledby="m-model">
                    <h3 id="m-model">{ "The seed document's model, live" }</h3>
                    <model::Model lab={lab.clone()} />
                </section>
                <section class="metrics-block wide" aria-labelledby="m-what-if">
                    <h3 id="m-what-if">{ "What if: every policy on this run" }</h3>
                    <whatif::WhatIf lab={lab.clone()} />
                </section>
                <section class="metrics-block wide" aria-labelledby="m-history">
                    <h3 id="m-history">{ "Checkpoint history" }</h3>
                    <history::History history={lab.history.clone()} />
                    <history::Summary history={lab.history.clone()} />
                </section>
                <section class="metrics-block wide" aria-labelledby="m-events">
                    <h3 id="m-events">{ "Event log" }</h3>
                    <events::Events events={lab.events.clone()} />
                </section>
            </div>
        </section>
    }
}

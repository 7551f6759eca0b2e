//! The metrics: checkpoint counts, charts, Flink's checkpoint history and summary, and
//! the event log (the dock's Metrics tab); the recovery card with the exactly-once
//! verdict and the state-transfer model (their own places in the dock; the What if tab is
//! `ui::sweep`). Everything drawn comes from `LabState`.

mod charts;
mod events;
mod history;
pub mod model;
pub mod recovery;

use yew::prelude::*;

use crate::ui::context::LabState;

#[derive(Properties, PartialEq)]
pub struct MetricsProps {
    pub lab: LabState,
}

#[function_component(Metrics)]
pub fn metrics(props: &MetricsProps) -> Html {
    let lab = &props.lab;
    let view = &lab.view;
    html! {
        <section class="metrics" data-region="metrics" aria-labelledby="metrics-heading">
            <h2 id="metrics-heading" class="visually-hidden">{ "Metrics" }</h2>
            <div class="metrics-body">
                <section class="metrics-block" aria-labelledby="m-counts">
                    <h3 id="m-counts">{ "Checkpoints" }</h3>
                    <history::Counts counts={view.counts.clone()} />
                </section>
                <section class="metrics-block wide" aria-labelledby="m-charts">
                    <h3 id="m-charts">{ "Over time" }</h3>
                    <charts::Charts lab={lab.clone()} />
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

//! The what-if calculator: each scheduling policy measured on a fork of the run, shown
//! side by side (bytes shipped per hour, link utilisation, recovery time after a crash).

use yew::prelude::*;

use crate::engine::report::format::{at, bytes_f, count, percent, sig3};
use crate::engine::report::whatif::WhatIfOutcome;
use crate::lab::intent::Intent;
use crate::lab::whatif::WhatIfStatus;
use crate::ui::context::LabState;

const HORIZONS_S: [u32; 3] = [30, 60, 300];

#[derive(Properties, PartialEq)]
pub struct WhatIfProps {
    pub lab: LabState,
}

#[function_component(WhatIf)]
pub fn what_if(props: &WhatIfProps) -> Html {
    let lab = &props.lab;
    let horizon = use_state(|| HORIZONS_S[1]);
    let on_horizon = {
        let horizon = horizon.clone();
        Callback::from(move |e: Event| {
            let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Ok(h) = el.value().parse() {
                horizon.set(h);
            }
        })
    };
    let run = {
        let dispatch = lab.dispatch.clone();
        let horizon_s = *horizon;
        Callback::from(move |_| dispatch.emit(Intent::RunWhatIf { horizon_s }))
    };
    let cancel = {
        let dispatch = lab.dispatch.clone();
        Callback::from(move |_| dispatch.emit(Intent::CancelWhatIf))
    };
    let running = matches!(lab.what_if, WhatIfStatus::Running { .. });
    let status = match &lab.what_if {
        WhatIfStatus::Idle => html! {
            <p class="sentence muted">
                { "Forks the run once per policy, runs each fork ahead, then crashes it and \
                   measures the recovery. Nothing here is estimated: every figure is a \
                   measured fork." }
            </p>
        },
        WhatIfStatus::Running {
            progress,
            horizon_s,
        } => html! {
            <p class="sentence" data-testid="what-if-progress">
                <progress max="1" value={progress.to_string()} />
                { format!(" measuring {horizon_s} virtual s per policy … {:.0} %", progress * 100.0) }
                <button type="button" class="small" onclick={cancel}>{ "Cancel" }</button>
            </p>
        },
        WhatIfStatus::Done {
            rows,
            horizon_s,
            from_us,
        } => html! {
            <>
                <p class="sentence muted">
                    { format!("Forked at {}, {horizon_s} virtual s ahead, then a crash.", at(*from_us)) }
                </p>
                <div class="what-if-cards" data-testid="what-if-table">
                    { for rows.iter().map(|outcome| match outcome {
                        WhatIfOutcome::NotMeasured(n) => html! {
                            <section class="what-if-card" data-testid="what-if-row">
                                <h4>
                                    { n.policy }
                                    if !n.in_flink { <span class="beyond">{ " beyond Flink" }</span> }
                                </h4>
                                <p class="sentence">
                                    { "Not measured: the run's configuration refuses this policy: " }
                                    { n.not_measured.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ") }
                                </p>
                            </section>
                        },
                        WhatIfOutcome::Measured(r) => html! {
                        <section class="what-if-card" data-testid="what-if-row">
                            <h4>
                                { r.policy }
                                if !r.in_flink { <span class="beyond">{ " beyond Flink" }</span> }
                            </h4>
                            <dl>
                                <dt>{ "Checkpoints" }</dt>
                                <dd>{ format!("{} ok, {} failed", r.checkpoints_completed, r.checkpoints_failed) }</dd>
                                <dt>{ "Mean interval" }</dt>
                                <dd>{ r.mean_interval_s.map_or("—".into(), |s| format!("{} s", sig3(s))) }</dd>
                                <dt>{ "Shipped per hour" }</dt>
                                <dd>{ format!("{} ({} raw)", bytes_f(r.bytes_shipped_per_hour), bytes_f(r.raw_bytes_per_hour)) }</dd>
                                <dt>{ "Link used" }</dt>
                                <dd>{ percent(r.link_utilisation) }</dd>
                                <dt>{ "Recovery time" }</dt>
                                <dd>{ r.recovery_time_s.map_or("not caught up".into(), |s| format!("{} s", sig3(s))) }</dd>
                                <dt>{ "Replayed" }</dt>
                                <dd>{ r.replayed_records.map_or("—".into(), |n| format!("{} records", count(n))) }</dd>
                                <dt>{ "Exactly-once" }</dt>
                                <dd>{ match r.exactly_once { Some(true) => "✓ equal", Some(false) => "✗ differs", None => "—" } }</dd>
                            </dl>
                        </section>
                        },
                    }) }
                </div>
            </>
        },
    };
    html! {
        <div class="what-if-block">
            <div class="what-if-controls">
                <label for="what-if-horizon">{ "Look ahead" }</label>
                <select id="what-if-horizon" onchange={on_horizon} disabled={running}>
                    { for HORIZONS_S.iter().map(|h| html! {
                        <option value={h.to_string()} selected={*h == *horizon}>{ format!("{h} virtual s") }</option>
                    }) }
                </select>
                <button type="button" onclick={run} disabled={running} data-testid="what-if-run">
                    { "Compare policies" }
                </button>
            </div>
            { status }
        </div>
    }
}

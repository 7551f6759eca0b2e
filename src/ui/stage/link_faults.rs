//! The link and store faults, in a menu of the action bar: drop transfers, cut the link,
//! a latency spike, a bandwidth change, the store unavailable. Each one's numbers are
//! checked (by `lab::faults`, against the engine's own rules) before its button can be
//! pressed; the menu is a `<details>`, so it opens by keyboard and touch with no script.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::lab::faults;
use crate::lab::intent::Intent;
use crate::ui::context::LabState;

#[derive(Properties, PartialEq)]
pub struct ParamProps {
    pub id: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub value: String,
    pub error: Option<String>,
    pub oninput: Callback<String>,
    /// Shown but not editable (what is selected in the pipeline decides the value).
    #[prop_or_default]
    pub disabled: bool,
}

/// A number typed for an action, with its message under it when it is refused.
#[function_component(Param)]
pub fn param(props: &ParamProps) -> Html {
    let oninput = {
        let cb = props.oninput.clone();
        Callback::from(move |e: InputEvent| {
            let el: HtmlInputElement = e.target_unchecked_into();
            cb.emit(el.value());
        })
    };
    let invalid = props.error.is_some();
    let msg_id = format!("{}-msg", props.id);
    html! {
        <span class={classes!("param", invalid.then_some("invalid"))}>
            <label for={props.id}>{ props.label }</label>
            <input id={props.id} type="text" inputmode="decimal" autocomplete="off"
                   disabled={props.disabled}
                   value={props.value.clone()} aria-invalid={invalid.to_string()}
                   aria-describedby={msg_id.clone()} {oninput} />
            if !props.unit.is_empty() { <span class="unit">{ props.unit }</span> }
            <span id={msg_id} class="field-msg error" role={invalid.then_some("alert")}
                  data-testid="field-message">
                { props.error.clone().unwrap_or_default() }
            </span>
        </span>
    }
}

fn err<T>(r: &Result<T, String>) -> Option<String> {
    r.as_ref().err().cloned()
}

#[derive(Properties, PartialEq)]
pub struct LinkFaultsProps {
    pub lab: LabState,
}

#[function_component(LinkFaults)]
pub fn link_faults(props: &LinkFaultsProps) -> Html {
    let lab = &props.lab;
    let dispatch = lab.dispatch.clone();
    let drop_count = use_state(|| "3".to_string());
    let outage_ms = use_state(|| "2000".to_string());
    let spike_latency = use_state(|| "200".to_string());
    let spike_ms = use_state(|| "3000".to_string());
    let store_down_ms = use_state(|| "5000".to_string());
    let bandwidth = use_state(|| "10".to_string());

    let set = |h: &UseStateHandle<String>| {
        let h = h.clone();
        Callback::from(move |v: String| h.set(v))
    };
    let config = &lab.config;
    let drop_v = faults::drop_transfers(config, &drop_count);
    let outage_v = faults::link_outage(config, &outage_ms);
    let spike_v = faults::latency_spike(config, &spike_latency, &spike_ms);
    let store_v = faults::store_unavailable(config, &store_down_ms);
    let bandwidth_v = faults::set_bandwidth(config, &bandwidth);

    let button = |label: &str, testid: &str, intent: Option<Intent>, danger: bool| {
        let dispatch = dispatch.clone();
        let disabled = intent.is_none();
        let onclick = Callback::from(move |_: MouseEvent| {
            if let Some(intent) = intent.clone() {
                dispatch.emit(intent);
            }
        });
        html! {
            <button type="button" class={classes!("action", danger.then_some("danger"))}
                    data-testid={testid.to_string()} {disabled} {onclick}>
                { label.to_string() }
            </button>
        }
    };

    html! {
        <details class="link-faults" data-testid="link-faults">
            <summary class="action">{ "Link & store faults" }</summary>
            <div class="link-faults-menu">
                <p class="hint">{ "Each happens now, to the running job; the Link and store \
                                   settings show the link's state." }</p>
                <div class="action-row">
                    <Param id="fault-drop" label="Drop the next" unit="transfers"
                           value={(*drop_count).clone()} error={err(&drop_v)} oninput={set(&drop_count)} />
                    { button("Drop", "drop-transfers", drop_v.clone().ok().map(Intent::InjectFault), false) }
                </div>
                <div class="action-row">
                    <Param id="fault-outage" label="Link outage for" unit="ms"
                           value={(*outage_ms).clone()} error={err(&outage_v)} oninput={set(&outage_ms)} />
                    { button("Cut the link", "link-outage", outage_v.clone().ok().map(Intent::InjectFault), false) }
                </div>
                <div class="action-row">
                    <Param id="fault-spike-latency" label="Latency" unit="ms"
                           value={(*spike_latency).clone()} error={err(&spike_v)}
                           oninput={set(&spike_latency)} />
                    <Param id="fault-spike-ms" label="for" unit="ms" value={(*spike_ms).clone()}
                           error={None::<String>} oninput={set(&spike_ms)} />
                    { button("Spike latency", "latency-spike", spike_v.clone().ok().map(Intent::InjectFault), false) }
                </div>
                <div class="action-row">
                    <Param id="fault-bandwidth" label="Bandwidth" unit="Mbit/s"
                           value={(*bandwidth).clone()} error={err(&bandwidth_v)} oninput={set(&bandwidth)} />
                    { button("Change mid-run", "set-bandwidth", bandwidth_v.clone().ok().map(Intent::InjectFault), false) }
                </div>
                <div class="action-row">
                    <Param id="fault-store" label="Store unavailable for" unit="ms"
                           value={(*store_down_ms).clone()} error={err(&store_v)}
                           oninput={set(&store_down_ms)} />
                    { button("Take the store down", "store-unavailable", store_v.clone().ok().map(Intent::InjectFault), true) }
                </div>
            </div>
        </details>
    }
}

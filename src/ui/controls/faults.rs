//! The Faults panel: things that happen to the running job now. Each action's numbers
//! are checked (by `lab::faults`) before its button can be pressed: against the running
//! job (which subtasks and key groups exist, what the latest checkpoint holds) and against
//! the engine's own rules for a fault schedule.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::engine::report::stats::JobStatus;
use crate::lab::faults;
use crate::lab::intent::Intent;
use crate::ui::context::LabState;

#[derive(Properties, PartialEq)]
pub struct FaultsProps {
    pub lab: LabState,
}

#[derive(Properties, PartialEq)]
struct ParamProps {
    id: &'static str,
    label: &'static str,
    unit: &'static str,
    value: String,
    error: Option<String>,
    oninput: Callback<String>,
}

#[function_component(Param)]
fn param(props: &ParamProps) -> Html {
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

#[function_component(Faults)]
pub fn faults(props: &FaultsProps) -> Html {
    let lab = &props.lab;
    let view = &lab.view;
    let dispatch = lab.dispatch.clone();
    let subtask = use_state(|| "0".to_string());
    let rescale = use_state(|| (lab.config.job.parallelism * 2).to_string());
    let key_group = use_state(|| "0".to_string());
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
    let parallelism = view.subtasks.len() as u32;
    let key_groups = view.key_groups.len() as u32;
    let running = matches!(view.status, JobStatus::Running);

    let subtask_v = faults::subtask(&subtask, parallelism);
    let rescale_v = faults::rescale(&rescale, key_groups);
    let latest = view.store.checkpoints.last();
    let chunk_v = faults::chunk_of(&key_group, key_groups, latest);
    let config = &lab.config;
    let drop_v = faults::drop_transfers(config, &drop_count);
    let outage_v = faults::link_outage(config, &outage_ms);
    let spike_v = faults::latency_spike(config, &spike_latency, &spike_ms);
    let store_v = faults::store_unavailable(config, &store_down_ms);
    let bandwidth_v = faults::set_bandwidth(config, &bandwidth);

    let send = |intent: Option<Intent>| {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(intent) = intent.clone() {
                dispatch.emit(intent);
            }
        })
    };
    let button = |label: &str, testid: &str, intent: Option<Intent>, danger: bool| {
        html! {
            <button type="button" class={classes!("action", danger.then_some("danger"))}
                    data-testid={testid.to_string()} disabled={intent.is_none()}
                    onclick={send(intent)}>
                { label.to_string() }
            </button>
        }
    };

    let cp_note = match latest {
        Some(cp) => format!(
            "The latest completed checkpoint is {} ({} chunks).",
            cp.id,
            cp.chunks.len()
        ),
        None => "No completed checkpoint yet: nothing to corrupt or lose.".to_string(),
    };

    html! {
        <div class="faults">
            <div class="action-row">
                { button("Trigger checkpoint now", "trigger-checkpoint",
                         Some(Intent::TriggerCheckpoint), false) }
                { button("Crash the job", "crash-job", running.then_some(Intent::CrashJob), true) }
            </div>
            if !running {
                <p class="hint">{ "The job is recovering; crashes wait until it runs again." }</p>
            }
            <div class="action-row">
                <Param id="fault-subtask" label="Subtask" unit="" value={(*subtask).clone()}
                       error={err(&subtask_v)} oninput={set(&subtask)} />
                { button("Crash subtask", "crash-subtask",
                         subtask_v.clone().ok().filter(|_| running).map(Intent::CrashSubtask), true) }
            </div>
            <div class="action-row">
                <Param id="fault-rescale" label="New parallelism" unit="" value={(*rescale).clone()}
                       error={err(&rescale_v)} oninput={set(&rescale)} />
                { button("Rescale", "rescale",
                         rescale_v.clone().ok().filter(|_| running).map(Intent::Rescale), false) }
            </div>
            <p class="hint">{ "Rescale restarts from the latest checkpoint: each new subtask \
                               reads the key groups of its new range." }</p>
            <div class="action-row">
                <Param id="fault-key-group" label="Key group" unit="" value={(*key_group).clone()}
                       error={err(&chunk_v)} oninput={set(&key_group)} />
                { button("Corrupt its chunk", "corrupt-chunk",
                         chunk_v.clone().ok().map(Intent::CorruptChunk), true) }
                { button("Lose its chunk", "lose-chunk",
                         chunk_v.clone().ok().map(Intent::LoseChunk), true) }
            </div>
            <p class="hint">{ cp_note }{ " A restore that meets a bad chunk detects it by \
                               checksum and falls back to an older checkpoint." }</p>
            <h4>{ "Link and store" }</h4>
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
    }
}

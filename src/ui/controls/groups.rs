//! The configuration panels, one collapsible group each, with a hint saying what a
//! change does to the running job. A group the person closes stays closed (the page
//! remembers it, `lab::prefs`). Where the lab's default differs from Flink's, the field
//! says so and why.

use wasm_bindgen::closure::Closure;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::field::Field;
use super::trace_preview::TracePreview;
use crate::engine::config::Config;
use crate::engine::partitioning::keygroups::{default_max_parallelism, KeyKind};
use crate::engine::partitioning::trace::MAX_TRACE_BYTES;
use crate::engine::partitioning::workload::{
    KeyDistribution, RateProfile, SourceConfig, ValueModel,
};
use crate::engine::report::format::{bytes, duration_us};
use crate::engine::state::codec::Codec;
use crate::engine::transfer::policy::PolicyConfig;
use crate::lab::fields::numbers::fmt_f64;
use crate::lab::fields::spec::Spec;
use crate::lab::fields::specs::*;
use crate::lab::intent::Intent;
use crate::lab::trace_preview::{self, TracePreviewView};
use crate::ui::context::LabState;

#[derive(Properties, PartialEq)]
pub struct GroupsProps {
    pub lab: LabState,
}

#[function_component(Groups)]
pub fn groups(props: &GroupsProps) -> Html {
    let lab = &props.lab;
    let open = |id: &str| !lab.closed_groups.contains(id);
    let config = lab.config.clone();
    let dispatch = lab.dispatch.clone();
    let field = |spec: &'static Spec| {
        html! { <Field spec={spec} config={config.clone()} dispatch={dispatch.clone()} /> }
    };
    let field_note = |spec: &'static Spec, note: String| {
        html! {
            <Field spec={spec} config={config.clone()} dispatch={dispatch.clone()}
                   note={AttrValue::from(note)} />
        }
    };
    let c: &Config = &config;

    let workload = {
        let generated = match &c.workload.source {
            SourceConfig::Generated {
                distribution,
                key_kind,
                ..
            } => html! {
                <>
                    { field(&KEY_SPACE) }
                    { field_note(&SCALE_MODEL, scale_note(c)) }
                    { field(&DISTRIBUTION) }
                    {
                        match distribution {
                            KeyDistribution::Uniform | KeyDistribution::RoundRobin => html! {},
                            KeyDistribution::Zipf { .. } => field(&ZIPF_EXPONENT),
                            KeyDistribution::HotSet { .. } => html! {
                                <>{ field(&HOT_KEYS) }{ field(&HOT_FRACTION) }</>
                            },
                        }
                    }
                    { field(&KEY_KIND) }
                    if *key_kind == KeyKind::String {
                        <div class="field-row">{ field(&KEY_PREFIX) }{ field(&KEY_DIGITS) }</div>
                    }
                    <div class="field-row">{ field(&VALUE_MIN) }{ field(&VALUE_MAX) }</div>
                </>
            },
            SourceConfig::SeedExample => html! {
                <>
                    <p class="hint">{ "The example job of the design notes: four records a,1 \
                                       b,2 c,3 d,4, summed by key to a: 1, b: 2, c: 3, d: 4. \
                                       Choosing it sets 1 record/s, so each one can be \
                                       followed to its subtask." }</p>
                    <p class="hint">{ format!("Why {} key groups for 4 keys? The number of key \
                                       groups is the max parallelism, fixed when the job starts \
                                       (Flink's default is at least 128), not the number of keys: \
                                       it bounds how far the job can ever scale. Each key falls \
                                       in one of them, so most stay empty; an empty key group \
                                       still makes a tiny chunk in a full checkpoint, and with \
                                       incremental checkpoints it is shipped once and then \
                                       referenced.", c.job.max_parallelism.unwrap_or(128)) }</p>
                </>
            },
            SourceConfig::Trace => html! {},
        };
        let rate = match c.workload.rate {
            RateProfile::Constant { .. } => field(&RATE_CONSTANT),
            RateProfile::Ramp { .. } => html! {
                <div class="field-row">{ field(&RAMP_FROM) }{ field(&RAMP_TO) }{ field(&RAMP_OVER) }</div>
            },
            RateProfile::Bursts { .. } => html! {
                <div class="field-row">
                    { field(&BURST_BASE) }{ field(&BURST_PEAK) }
                    { field(&BURST_PERIOD) }{ field(&BURST_LEN) }
                </div>
            },
        };
        let value_note = match c.workload.value_model {
            ValueModel::Counter => "Count and sum per key: small and regular, compresses well.",
            ValueModel::Events { .. } => "The last N events per key as short JSON-like text.",
            ValueModel::RandomBytes { .. } => {
                "Random bytes per key, replaced on each update: \
                                               incompressible."
            }
        };
        let value = match c.workload.value_model {
            ValueModel::Counter => html! {},
            ValueModel::Events { .. } => field(&EVENTS_KEEP),
            ValueModel::RandomBytes { .. } => field(&RANDOM_LEN),
        };
        html! {
            <Group title="Workload" id="workload" open={open("workload")} dispatch={dispatch.clone()}
                   hint="Changing the workload starts a new run from offset 0.">
                { field(&SOURCE) }
                <TraceUpload dispatch={dispatch.clone()} />
                { generated }
                { field(&RATE_KIND) }
                { rate }
                { field_note(&VALUE_MODEL, value_note.into()) }
                { value }
                { field(&LIMIT) }
            </Group>
        }
    };

    let partitioning = {
        let p = c.job.parallelism;
        let rule = default_max_parallelism(p);
        let max_note = format!(
            "Flink's default for parallelism {p}: min(max(roundUpToPowerOfTwo({p} + {p}/2), 128), 32768) = {rule}."
        );
        let groups = c.job.max_parallelism.unwrap_or(rule);
        let (fewest, most) = (groups / p.max(1), groups.div_ceil(p.max(1)));
        let per = if fewest == most {
            format!("{groups} key groups over {p} subtasks: {most} each.")
        } else {
            format!("{groups} key groups over {p} subtasks: {fewest} or {most} each.")
        };
        html! {
            <Group title="Partitioning" id="partitioning" open={open("partitioning")} dispatch={dispatch.clone()}
                   hint="A new parallelism rescales from the latest checkpoint. A new max \
                         parallelism or throughput starts a new run: key groups are fixed for \
                         a job's life, as in Flink.">
                { field_note(&PARALLELISM, per) }
                { field_note(&MAX_PARALLELISM, max_note) }
                { field(&SUBTASK_RATE) }
            </Group>
        }
    };

    let compression = {
        let note = match c.checkpointing.codec {
            Codec::Snappy => {
                "Snappy is what Flink uses when \
                execution.checkpointing.snapshot-compression is true: each key group \
                compressed on its own, so it can be read alone on rescale. Flink's default \
                is false (no compression); the lab starts with Snappy so the compression \
                ratio shows."
            }
            Codec::Lz4 => {
                "LZ4 goes beyond Flink, whose only codec is Snappy: LZ4 was proposed \
                (FLINK-11313) and never merged. statelab writes each state section of a key \
                group as one standard LZ4 frame."
            }
            Codec::None => {
                "No compression: Flink's default (snapshot-compression false; true \
                means Snappy). The store keeps a CRC-32 of each chunk so corruption is \
                caught on restore."
            }
        };
        html! {
            <Group title="Compression" id="compression" open={open("compression")} dispatch={dispatch.clone()}
                   hint="Applies from the next checkpoint.">
                { field_note(&CODEC, note.into()) }
            </Group>
        }
    };

    let checkpointing = {
        let policy = &c.checkpointing.policy;
        let policy_fields = match policy {
            PolicyConfig::Fixed => html! {},
            PolicyConfig::Adaptive { .. } => html! {
                <>
                    { field(&WINDOW) }{ field(&BUDGET) }{ field(&SHIP_THRESHOLD) }
                    { field(&MAX_STALENESS) }{ field(&MIN_INTERVAL) }{ field(&MAX_INTERVAL) }
                </>
            },
            PolicyConfig::YoungDaly { .. } => html! {
                <>{ field(&MTBF) }{ field(&MIN_INTERVAL) }{ field(&MAX_INTERVAL) }</>
            },
        };
        let policy_note = match policy {
            PolicyConfig::Fixed => "Flink's behaviour: a checkpoint every interval.",
            PolicyConfig::Adaptive { .. } => {
                "Beyond Flink, which has no change-rate-driven \
                interval: checkpoint when the changes fill the change budget B (interval \
                I = B / D for the change rate D), and ship only key groups that changed \
                enough. Needs incremental checkpoints."
            }
            PolicyConfig::YoungDaly { .. } => {
                "Beyond Flink: interval I = √(2 δ M) with Daly's \
                refinement, from the measured checkpoint cost δ and the mean time between \
                failures M."
            }
        };
        let interval_note = match (policy.in_flink(), c.checkpointing.interval_ms) {
            (true, None) => "Off: no checkpoints, as in Flink by default; a failure replays \
                             from the start."
                .to_string(),
            (true, Some(2_000)) => "Flink's default is off (no checkpoints); the \
                             lab starts at 2 000 ms so checkpoints happen to watch. Tick off, \
                             or clear the field, to turn them off."
                .to_string(),
            (true, Some(_)) => "Flink's default is off; tick off, or clear the field, to turn \
                                checkpoints off."
                .to_string(),
            (false, _) => "The policy chooses the interval between its bounds; this is used \
                           until it has measured something."
                .to_string(),
        };
        html! {
            <Group title="Checkpointing" id="checkpointing" open={open("checkpointing")} dispatch={dispatch.clone()}
                   hint="Applies from the next checkpoint.">
                { field_note(&INTERVAL, interval_note) }
                { field(&MIN_PAUSE) }
                { field(&TIMEOUT) }
                { field(&MAX_CONCURRENT) }
                { field(&TOLERABLE_FAILED) }
                { field(&NUM_RETAINED) }
                { field_note(&INCREMENTAL, if c.checkpointing.incremental {
                    "Ships only key groups changed since the last checkpoint; the others' \
                     chunks are shared, reference-counted, with older checkpoints. Flink's \
                     default is off; the lab turns it on so unchanged key groups show."
                } else {
                    "Every checkpoint ships every key group (Flink's default)."
                }.into()) }
                { field_note(&POLICY, policy_note.into()) }
                { policy_fields }
                { field_note(&RESTART_DELAY, "After a failure the job waits this long before \
                    it restores (Flink's fixed-delay restart strategy, whose default is 1 s; \
                    the lab waits 500 ms). Changing it starts a new run.".into()) }
            </Group>
        }
    };

    let link = {
        let store = &lab.view.store;
        let link = &lab.view.link;
        let now = lab.view.now_us;
        let mut status = match (link.outage_until_us, link.store_unavailable_until_us) {
            (Some(t), _) => format!("link down for {}", duration_us(t.saturating_sub(now))),
            (None, Some(t)) => format!(
                "store unavailable for {}",
                duration_us(t.saturating_sub(now))
            ),
            (None, None) => "up".to_string(),
        };
        // Faults change the link under the configuration; say so rather than show the
        // configured numbers as if they held.
        if link.bandwidth_mbit_s != c.link.bandwidth_mbit_s {
            status += &format!(", {} Mbit/s now", fmt_f64(link.bandwidth_mbit_s));
        }
        if link.latency_ms != c.link.latency_ms {
            status += &format!(", latency {} ms now", fmt_f64(link.latency_ms));
        }
        html! {
            <Group title="Link and store" id="link" open={open("link")} dispatch={dispatch.clone()}
                   hint="Applies live, to the running job.">
                { field(&BANDWIDTH) }
                { field(&LATENCY) }
                { field(&DROP_PROBABILITY) }
                { field(&RETRY_BACKOFF) }
                { field(&MAX_RETRIES) }
                <dl class="readout" data-testid="store-readout">
                    <dt>{ "Link now" }</dt>
                    <dd data-testid="link-status">{ status }</dd>
                    <dt>{ "Transfers lost / retried" }</dt>
                    <dd>{ format!("{} / {}", link.transfers.dropped, link.transfers.retried) }</dd>
                    <dt>{ "Stored chunks" }</dt>
                    <dd data-testid="stored-chunks">{ store.chunk_count }</dd>
                    <dt>{ "Stored bytes" }</dt>
                    <dd data-testid="stored-bytes" data-bytes={store.stored_bytes.to_string()}>
                        { bytes(store.stored_bytes) }
                    </dd>
                    <dt>{ "Retained checkpoints" }</dt>
                    <dd>{ store.checkpoints.len() }</dd>
                </dl>
            </Group>
        }
    };

    html! {
        <div class="groups">
            { workload }
            { partitioning }
            { compression }
            { checkpointing }
            { link }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct GroupProps {
    title: &'static str,
    id: &'static str,
    hint: &'static str,
    open: bool,
    dispatch: Callback<Intent>,
    children: Html,
}

/// A collapsible group: `<details>` works by touch and keyboard, with no script; its
/// toggling is reported, so the page remembers it.
#[function_component(Group)]
fn group(props: &GroupProps) -> Html {
    let ontoggle = {
        let dispatch = props.dispatch.clone();
        let id = props.id;
        let was_open = props.open;
        Callback::from(move |e: Event| {
            let el: web_sys::HtmlDetailsElement = e.target_unchecked_into();
            if el.open() != was_open {
                dispatch.emit(Intent::GroupOpen(id.to_string(), el.open()));
            }
        })
    };
    html! {
        <details class="control-group" open={props.open} data-group={props.id} {ontoggle}>
            <summary><h3>{ props.title }</h3></summary>
            <p class="group-hint">{ props.hint }</p>
            { props.children.clone() }
        </details>
    }
}

#[derive(Properties, PartialEq)]
struct TraceUploadProps {
    dispatch: Callback<Intent>,
}

/// Reads a chosen `key,value` CSV file and hands its text to the root, which parses it
/// and reports a refused trace (with its line number) in `notice`.
#[function_component(TraceUpload)]
fn trace_upload(props: &TraceUploadProps) -> Html {
    let message = use_state(|| None::<String>);
    // What the preview reads (a file's name or the pasted lines, and the text) and shows.
    let source = use_mut_ref(|| (String::new(), String::new(), false));
    let preview = use_state(|| None::<(String, TracePreviewView, bool)>);
    // The key and value columns: a header name, a position from 1, or empty to detect.
    let key_column = use_node_ref();
    let value_column = use_node_ref();
    let columns = {
        let (k, v) = (key_column.clone(), value_column.clone());
        move || {
            let read = |r: &NodeRef| {
                r.cast::<HtmlInputElement>()
                    .map(|i| i.value())
                    .unwrap_or_default()
            };
            (read(&k), read(&v))
        }
    };
    let refresh = {
        let (source, preview, columns) = (source.clone(), preview.clone(), columns.clone());
        move || {
            let (key, value) = columns();
            let (origin, text, is_file) = &*source.borrow();
            preview.set(
                trace_preview::preview(text, &key, &value).map(|v| (origin.clone(), v, *is_file)),
            );
        }
    };
    let on_columns = {
        let refresh = refresh.clone();
        Callback::from(move |_: InputEvent| refresh())
    };
    let onchange = {
        let dispatch = props.dispatch.clone();
        let message = message.clone();
        let columns = columns.clone();
        let (source, refresh) = (source.clone(), refresh.clone());
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            let size = file.size() as usize;
            if size > MAX_TRACE_BYTES {
                message.set(Some(format!(
                    "{} is {}: the lab accepts traces up to {}.",
                    file.name(),
                    bytes(size as u64),
                    bytes(MAX_TRACE_BYTES as u64)
                )));
                return;
            }
            message.set(Some(format!("Reading {}…", file.name())));
            let dispatch = dispatch.clone();
            let done = message.clone();
            let name = file.name();
            // Read when the file is chosen: the columns asked for then.
            let (key, value) = columns();
            let (source, refresh) = (source.clone(), refresh.clone());
            let on_text = Closure::once(move |text: wasm_bindgen::JsValue| {
                let text = text.as_string().unwrap_or_default();
                *source.borrow_mut() = (name.clone(), text.clone(), true);
                refresh();
                done.set(Some(format!(
                    "Loaded {name} ({}).",
                    bytes(text.len() as u64)
                )));
                dispatch.emit(Intent::LoadTrace { text, key, value });
            });
            let failed = message.clone();
            let on_error = Closure::once(move |_: wasm_bindgen::JsValue| {
                failed.set(Some("The browser could not read that file.".into()));
            });
            let _ = file.text().then2(&on_text, &on_error);
            // The promise settles once; the closures must live until then.
            on_text.forget();
            on_error.forget();
            // Choosing the same file again should load it again.
            input.set_value("");
        })
    };
    let pasted = use_node_ref();
    let on_paste_input = {
        let (source, refresh) = (source.clone(), refresh.clone());
        Callback::from(move |e: InputEvent| {
            let area: web_sys::HtmlTextAreaElement = e.target_unchecked_into();
            *source.borrow_mut() = ("the pasted lines".into(), area.value(), false);
            refresh();
        })
    };
    let on_paste_load = {
        let pasted = pasted.clone();
        let dispatch = props.dispatch.clone();
        let columns = columns.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(area) = pasted.cast::<web_sys::HtmlTextAreaElement>() {
                let (key, value) = columns();
                dispatch.emit(Intent::LoadTrace {
                    text: area.value(),
                    key,
                    value,
                });
            }
        })
    };
    // A file is loaded when chosen, with the columns typed then; after a column edit the
    // preview offers to load it again with the columns it now shows.
    let on_reload = {
        let (source, dispatch) = (source.clone(), props.dispatch.clone());
        Callback::from(move |_: MouseEvent| {
            let (key, value) = columns();
            let text = source.borrow().1.clone();
            dispatch.emit(Intent::LoadTrace { text, key, value });
        })
    };
    html! {
        <div class="field trace-upload">
            <label for="trace-file" class="field-label">
                <span class="field-name">{ "Load a trace" }</span>
                <span class="flink-option">{ "CSV or TSV: key and value columns found by the \
                                               numbers (up to 16 MiB)" }</span>
            </label>
            <div class="field-row trace-columns">
                <label>{ "Key column " }
                    <input type="text" ref={key_column} placeholder="auto" size="8"
                           aria-label="Key column: a header name or a position from 1"
                           data-testid="trace-key-column" oninput={on_columns.clone()} />
                </label>
                <label>{ "Value column " }
                    <input type="text" ref={value_column} placeholder="auto" size="8"
                           aria-label="Value column: a header name or a position from 1"
                           data-testid="trace-value-column" oninput={on_columns} />
                </label>
            </div>
            <input id="trace-file" type="file" accept=".csv,.tsv,.txt,text/csv,text/plain" {onchange} />
            <label for="trace-paste" class="hint">{ "or paste lines, such as the document's 1,a 2,b 3,c 4,d:" }</label>
            <textarea id="trace-paste" rows="4" ref={pasted} spellcheck="false"
                      placeholder={"1,a\n2,b\n3,c\n4,d"} data-testid="trace-paste"
                      oninput={on_paste_input} />
            <button type="button" class="small" onclick={on_paste_load} data-testid="trace-paste-load">
                { "Load these lines" }
            </button>
            <p class="field-msg" data-testid="trace-message">{ (*message).clone().unwrap_or_default() }</p>
            if let Some((origin, view, is_file)) = (*preview).clone() {
                <TracePreview {origin} {view} reload={is_file.then_some(on_reload)} />
            }
        </div>
    }
}

/// What the scale model field does, and for a model which numbers in the panels are its own.
fn scale_note(c: &Config) -> String {
    match c.workload.sample_every {
        0 | 1 => "For a job too large for a tab: 1:F keeps every key group but every F-th key, \
                  and divides the rate, capacity, bandwidth and costs by F, so durations stay \
                  the real job's while bytes are 1/F."
            .into(),
        f => format!(
            "A model 1:{f}: the key space, rates, bandwidth and costs here are the model's (÷{f}); \
             the caption and the pipeline's ≈ sizes are the real job's. 1 returns to the real job."
        ),
    }
}

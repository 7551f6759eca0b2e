//! The inspector: details of whatever was clicked in the pipeline (a subtask, a key group,
//! a chunk or a stored checkpoint), all read from the published state; for a key group,
//! its keys and values and its size under every codec, from the engine's inspection. The
//! facts themselves are `lab::inspect`'s; this draws them and their actions.

use yew::prelude::*;

use crate::engine::transfer::store::{CheckpointId, ChunkId};

use super::context::LabState;
use crate::engine::report::format;
use crate::lab::inspect::{self, codec_label, Inspected};
use crate::lab::intent::{Intent, Selection};

#[function_component(Inspector)]
pub fn inspector() -> Html {
    let Some(lab) = use_context::<LabState>() else {
        return html! {};
    };
    let body = match &lab.selection {
        None => html! {
            <>
                <p class="placeholder">
                    { "Click or tap a subtask, a key group cell, a chunk or a stored checkpoint in \
                       the pipeline to see what it holds, and why it was shipped or held back." }
                </p>
                <div class="tour">
                    <h3>{ "A first tour, from the keyboard" }</h3>
                    <ol>
                        <li><kbd>{ "2" }</kbd>{ " step to the next barrier: watch it travel to each subtask" }</li>
                        <li><kbd>{ "3" }</kbd>{ " step to each snapshot, " }<kbd>{ "4" }</kbd>{ " to each chunk the store acknowledges" }</li>
                        <li><kbd>{ "Space" }</kbd>{ " play; slow motion holds every checkpoint for a few seconds" }</li>
                        <li><kbd>{ "X" }</kbd>{ " crash the job, then " }<kbd>{ "5" }</kbd>{ " step through the restore chunk by chunk" }</li>
                        <li><kbd>{ "Space" }</kbd>{ " watch the replay; the recovery card ends with exactly-once ✓" }</li>
                    </ol>
                    <p class="hint">{ "? lists every key." }</p>
                </div>
            </>
        },
        Some(Selection::Subtask(i)) => subtask(&lab, *i),
        Some(Selection::KeyGroup(kg)) => key_group(&lab, *kg),
        Some(Selection::Chunk(c)) => chunk(&lab, *c),
        Some(Selection::Checkpoint(id)) => checkpoint(&lab, *id),
    };
    let clear = lab.selection.is_some().then(|| {
        let dispatch = lab.dispatch.clone();
        html! {
            <button type="button" class="link-button" id="inspector-clear"
                onclick={Callback::from(move |_: MouseEvent| dispatch.emit(Intent::Select(None)))}>
                { "Clear" }
            </button>
        }
    });
    html! {
        <section class="inspector" data-region="inspector" aria-labelledby="inspector-heading" aria-live="polite">
            <div class="panel-head">
                <h2 id="inspector-heading">{ "Inspector" }</h2>
                { for clear }
            </div>
            { body }
            { job_result(&lab) }
        </section>
    }
}

/// The job's result: each key's value as the job emits it, searchable, each row leading to
/// its key group.
fn job_result(lab: &LabState) -> Html {
    let Some(r) = lab.result.as_ref() else {
        return html! {};
    };
    let oninput = {
        let dispatch = lab.dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            dispatch.emit(Intent::FindKey(input.value()));
        })
    };
    let summary = if r.listed {
        format!(
            "{} key{} with state{}",
            format::count(r.keys),
            if r.keys == 1 { "" } else { "s" },
            if r.more > 0 {
                format!("; {} more match", r.more)
            } else {
                String::new()
            }
        )
    } else if r.query.trim().is_empty() {
        format!(
            "{} keys with state: type one to look it up",
            format::count(r.keys)
        )
    } else if r.rows.is_empty() {
        format!(
            "no key `{}` with state among {}",
            r.query.trim(),
            format::count(r.keys)
        )
    } else {
        format!("1 of {} keys", format::count(r.keys))
    };
    html! {
        <div class="job-result" data-testid="job-result">
            <h3>{ "The job's result" }</h3>
            <p class="hint">{ "Each key's value as the job emits it now: after a crash, \
                               the restore and the replay it comes back to what a run \
                               without failures has." }</p>
            <input type="search" class="result-search" placeholder="key" aria-label="Find a key"
                   value={r.query.clone()} {oninput} data-testid="result-search" />
            <p class="hint" data-testid="result-summary">{ summary }</p>
            <table class="result-rows">
                <thead><tr><th scope="col">{ "key:value" }</th><th scope="col">{ "key group" }</th><th scope="col">{ "subtask" }</th></tr></thead>
                <tbody>
                    { for r.rows.iter().map(|row| {
                        let dispatch = lab.dispatch.clone();
                        let kg = row.key_group;
                        let onclick = Callback::from(move |_: MouseEvent| {
                            dispatch.emit(Intent::Select(Some(Selection::KeyGroup(kg))))
                        });
                        html! {
                            <tr data-testid="result-row">
                                <td><code>{ row.to_string() }</code></td>
                                <td><button type="button" class="link-button" {onclick}>{ kg }</button></td>
                                <td>{ row.subtask }</td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        </div>
    }
}

/// The facts as a list, or the sentence that stands in for them.
fn facts(inspected: Inspected) -> Html {
    match inspected {
        Ok(items) => html! {
            <dl class="facts">
                { for items.into_iter().map(|(k, v)| html! {
                    <div class="fact"><dt>{ k }</dt><dd>{ v }</dd></div>
                }) }
            </dl>
        },
        Err(gone) => html! { <p class="placeholder">{ gone }</p> },
    }
}

fn action(lab: &LabState, label: &str, intent: Intent, id: &'static str) -> Html {
    let dispatch = lab.dispatch.clone();
    html! {
        <button type="button" class="insp-action" id={id}
            onclick={Callback::from(move |_: MouseEvent| dispatch.emit(intent.clone()))}>
            { label.to_string() }
        </button>
    }
}

fn subtask(lab: &LabState, index: u32) -> Html {
    let inspected = inspect::subtask(lab, index);
    if inspected.is_err() {
        return facts(inspected);
    }
    html! {
        <>
            <h3>{ format!("Subtask {index}") }</h3>
            { facts(inspected) }
            <div class="actions">
                { action(lab, &format!("Crash subtask {index}"), Intent::CrashSubtask(index), "inspector-crash-subtask") }
            </div>
        </>
    }
}

fn key_group(lab: &LabState, kg: u32) -> Html {
    let inspected = inspect::key_group(lab, kg);
    let Some(k) = lab
        .view
        .key_groups
        .get(kg as usize)
        .filter(|_| inspected.is_ok())
    else {
        return facts(inspected);
    };
    let inspection = lab.inspection.as_ref().filter(|i| i.key_group == kg);
    let codecs = inspection.map(|i| {
        let current = lab.config.checkpointing.codec;
        html! {
            <table class="codecs">
                <caption>{ "Its snapshot now, really encoded by each codec" }</caption>
                <thead><tr><th scope="col">{ "codec" }</th><th scope="col">{ "bytes" }</th><th scope="col">{ "ratio raw / encoded" }</th></tr></thead>
                <tbody>
                    <tr><td>{ "raw (serialised)" }</td><td>{ format::exact_bytes(i.raw_bytes) }</td><td>{ format::ratio(i.raw_bytes, i.raw_bytes) }</td></tr>
                    { for i.encoded_bytes.iter().map(|(codec, bytes)| html! {
                        <tr class={classes!((*codec == current).then_some("current"))}>
                            <td>{ codec_label(*codec) }{ if *codec == current { " (in use)" } else { "" } }</td>
                            <td>{ format::exact_bytes(*bytes) }</td>
                            <td>{ format::ratio(i.raw_bytes, *bytes) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        }
    });
    let entries = inspection.map(|i| {
        let more = (i.keys as usize > i.entries.len()).then(|| {
            html! { <p class="hint">{ format!("first {} of {} keys", i.entries.len(), format::count(u64::from(i.keys))) }</p> }
        });
        html! {
            <>
                <table class="entries">
                    <caption>{ "Keys and values" }</caption>
                    <thead><tr><th scope="col">{ "key" }</th><th scope="col">{ "value" }</th></tr></thead>
                    <tbody>
                        { for i.entries.iter().map(|(key, value)| html! {
                            <tr><td class="mono">{ key }</td><td class="mono value">{ value }</td></tr>
                        }) }
                    </tbody>
                </table>
                { for more }
            </>
        }
    });
    let corrupt = k.chunk.map(|c| {
        html! {
            <>
                { action(lab, "Corrupt its chunk", Intent::CorruptChunk(c), "inspector-corrupt") }
                { action(lab, "Lose its chunk", Intent::LoseChunk(c), "inspector-lose") }
            </>
        }
    });
    html! {
        <>
            <h3>{ format!("Key group {kg}") }</h3>
            { facts(inspected) }
            { for codecs }
            { for entries }
            <div class="actions">{ for corrupt }</div>
        </>
    }
}

fn chunk(lab: &LabState, id: ChunkId) -> Html {
    let inspected = inspect::chunk(lab, id);
    if inspected.is_err() {
        return facts(inspected);
    }
    let present = lab
        .view
        .store
        .checkpoints
        .iter()
        .flat_map(|c| c.chunks.iter())
        .any(|ch| ch.chunk == id && ch.present);
    html! {
        <>
            <h3>{ format!("Chunk {id}") }</h3>
            { facts(inspected) }
            <div class="actions">
                if present {
                    { action(lab, "Corrupt this chunk", Intent::CorruptChunk(id), "inspector-corrupt") }
                    { action(lab, "Lose this chunk", Intent::LoseChunk(id), "inspector-lose") }
                }
            </div>
        </>
    }
}

fn checkpoint(lab: &LabState, id: CheckpointId) -> Html {
    let inspected = inspect::checkpoint(lab, id);
    if inspected.is_err() {
        return facts(inspected);
    }
    html! {
        <>
            <h3>{ format!("Checkpoint {id}") }</h3>
            { facts(inspected) }
        </>
    }
}

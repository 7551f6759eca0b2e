//! The inspector: details of whatever was clicked in the pipeline (a subtask, a key group,
//! a chunk or a stored checkpoint), all read from the published state; for a key group,
//! its keys and values and its size under every codec, from the engine's inspection.

use yew::prelude::*;

use crate::engine::sim::CheckpointStatus;
use crate::engine::state::codec::Codec;
use crate::engine::transfer::store::{CheckpointId, ChunkId};

use super::context::LabState;
use crate::lab::format;
use crate::lab::intent::{Intent, Selection};

#[function_component(Inspector)]
pub fn inspector() -> Html {
    let Some(lab) = use_context::<LabState>() else {
        return html! {};
    };
    let body = match &lab.selection {
        None => html! {
            <p class="placeholder">
                { "Click or tap a subtask, a key group cell, a chunk or a stored checkpoint in the \
                   pipeline to see what it holds." }
            </p>
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
        <section class="panel inspector" data-region="inspector" aria-labelledby="inspector-heading" aria-live="polite">
            <div class="panel-head">
                <h2 id="inspector-heading">{ "Inspector" }</h2>
                { for clear }
            </div>
            { body }
        </section>
    }
}

fn rows(items: Vec<(&str, String)>) -> Html {
    html! {
        <dl class="facts">
            { for items.into_iter().map(|(k, v)| html! {
                <div class="fact"><dt>{ k }</dt><dd>{ v }</dd></div>
            }) }
        </dl>
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

fn ratio(raw: u64, encoded: u64) -> String {
    if encoded == 0 {
        "—".into()
    } else {
        format!("{:.2}", raw as f64 / encoded as f64)
    }
}

fn subtask(lab: &LabState, index: u32) -> Html {
    let view = &lab.view;
    let Some(s) = view.subtasks.iter().find(|s| s.index == index) else {
        return html! { <p class="placeholder">{ format!("Subtask {index} no longer exists (the job was rescaled).") }</p> };
    };
    let groups = &view.key_groups[s.key_groups.start as usize..=s.key_groups.end as usize];
    let dirty = groups.iter().filter(|k| k.dirty).count();
    let barriers = if s.barriers.is_empty() {
        "none".to_string()
    } else {
        s.barriers
            .iter()
            .map(|(pos, id)| format!("checkpoint {id} behind {pos} records"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let snapshot = match s.last_snapshot_at_us {
        Some(t) => format!("at {}", format::at(t)),
        None => "none yet".into(),
    };
    html! {
        <>
            <h3>{ format!("Subtask {index}") }</h3>
            { rows(vec![
                ("key groups", format!("{}–{} ({} groups, {} changed since the last checkpoint)",
                    s.key_groups.start, s.key_groups.end, s.key_groups.len(), dirty)),
                ("state", format::bytes(s.state_bytes)),
                ("input channel", format!("{} of {} records", format::count(u64::from(s.queued_records)), format::count(u64::from(s.channel_capacity)))),
                ("barriers in the channel", barriers),
                ("records processed", format::count(s.processed)),
                ("synchronous phase", if s.busy_in_sync_phase { "taking its snapshot now".into() } else { "idle".to_string() }),
                ("last snapshot", snapshot),
            ]) }
            <div class="actions">
                { action(lab, &format!("Crash subtask {index}"), Intent::CrashSubtask(index), "inspector-crash-subtask") }
            </div>
        </>
    }
}

fn key_group(lab: &LabState, kg: u32) -> Html {
    let view = &lab.view;
    let Some(k) = view.key_groups.get(kg as usize) else {
        return html! { <p class="placeholder">{ format!("Key group {kg} does not exist in this run.") }</p> };
    };
    let held_by: Vec<String> = view
        .store
        .checkpoints
        .iter()
        .filter_map(|c| {
            c.chunks
                .iter()
                .find(|ch| ch.key_group == kg)
                .map(|ch| match ch.shared_from {
                    Some(from) => format!("{} (shared from {from})", c.id),
                    None => c.id.to_string(),
                })
        })
        .collect();
    let mut facts = vec![
        ("subtask", k.subtask.to_string()),
        ("keys", format::count(u64::from(k.keys))),
        ("state size", format::bytes(k.raw_bytes)),
        (
            "since the last checkpoint",
            if k.dirty {
                format!(
                    "changed: {} records, {}",
                    format::count(k.changed_records),
                    format::bytes(k.changed_bytes)
                )
            } else {
                "unchanged".into()
            },
        ),
        (
            "chunk in the latest checkpoint",
            k.chunk.map_or("none".into(), |c| format!("chunk {c}")),
        ),
        (
            "retained checkpoints holding it",
            if held_by.is_empty() {
                "none".into()
            } else {
                held_by.join(", ")
            },
        ),
    ];
    let inspection = lab.inspection.as_ref().filter(|i| i.key_group == kg);
    let codecs = inspection.map(|i| {
        let current = lab.config.checkpointing.codec;
        html! {
            <table class="codecs">
                <caption>{ "Its snapshot now, really encoded by each codec" }</caption>
                <thead><tr><th scope="col">{ "codec" }</th><th scope="col">{ "bytes" }</th><th scope="col">{ "ratio raw / encoded" }</th></tr></thead>
                <tbody>
                    <tr><td>{ "raw (serialised)" }</td><td>{ format::bytes(i.raw_bytes) }</td><td>{ "1.00" }</td></tr>
                    { for i.encoded_bytes.iter().map(|(codec, bytes)| html! {
                        <tr class={classes!((*codec == current).then_some("current"))}>
                            <td>{ codec_label(*codec) }{ if *codec == current { " (in use)" } else { "" } }</td>
                            <td>{ format::bytes(*bytes) }</td>
                            <td>{ ratio(i.raw_bytes, *bytes) }</td>
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
    if inspection.is_none() {
        facts.push(("keys and values", "reading…".into()));
    }
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
            { rows(facts) }
            { for codecs }
            { for entries }
            <div class="actions">{ for corrupt }</div>
        </>
    }
}

fn codec_label(codec: Codec) -> &'static str {
    match codec {
        Codec::None => "none (+CRC-32)",
        Codec::Lz4 => "LZ4 frame (beyond Flink)",
        Codec::Snappy => "Snappy (Flink)",
    }
}

fn chunk(lab: &LabState, id: ChunkId) -> Html {
    let view = &lab.view;
    let holders: Vec<_> = view
        .store
        .checkpoints
        .iter()
        .filter_map(|c| c.chunks.iter().find(|ch| ch.chunk == id).map(|ch| (c, ch)))
        .collect();
    let Some((first, ch)) = holders.first() else {
        return html! { <p class="placeholder">{ format!("Chunk {id} is no longer referenced by a retained checkpoint (it was deleted).") }</p> };
    };
    let uploaded_by = ch.shared_from.unwrap_or(first.id);
    let corrupted = lab.corrupted.contains(&id);
    let state = if !ch.present {
        "missing from the store"
    } else if corrupted {
        "corrupted from this page: a restore will fail its checksum"
    } else {
        "stored"
    };
    html! {
        <>
            <h3>{ format!("Chunk {id}") }</h3>
            { rows(vec![
                ("key group", ch.key_group.to_string()),
                ("uploaded by checkpoint", uploaded_by.to_string()),
                ("referenced by", holders.iter().map(|(c, _)| c.id.to_string()).collect::<Vec<_>>().join(", ")),
                ("codec", codec_label(ch.codec).to_string()),
                ("raw bytes", format::bytes(ch.raw_bytes)),
                ("encoded bytes", format::bytes(ch.encoded_bytes)),
                ("compression ratio", ratio(ch.raw_bytes, ch.encoded_bytes)),
                ("state", state.to_string()),
            ]) }
            <div class="actions">
                if ch.present {
                    { action(lab, "Corrupt this chunk", Intent::CorruptChunk(id), "inspector-corrupt") }
                    { action(lab, "Lose this chunk", Intent::LoseChunk(id), "inspector-lose") }
                }
            </div>
        </>
    }
}

fn checkpoint(lab: &LabState, id: CheckpointId) -> Html {
    let view = &lab.view;
    let stats = lab.history.iter().rev().find(|h| h.id == id);
    let stored = view.store.checkpoints.iter().find(|c| c.id == id);
    let mut facts = Vec::new();
    if let Some(h) = stats {
        let status = match &h.status {
            CheckpointStatus::InProgress => "in progress".to_string(),
            CheckpointStatus::Completed => "completed".to_string(),
            CheckpointStatus::Failed(why) => format!("failed: {why}"),
        };
        facts.push(("status", status));
        facts.push(("triggered at", format::at(h.trigger_time_us)));
        facts.push(("source offset", format::count(h.offset)));
        facts.push((
            "acknowledged subtasks",
            format!("{}/{}", h.acknowledged_subtasks, h.parallelism),
        ));
        if let Some(d) = h.end_to_end_duration_us {
            facts.push(("end-to-end duration", format::duration_us(d)));
        }
        facts.push((
            "checkpointed data size",
            format::bytes(h.checkpointed_data_size),
        ));
        if h.full_checkpoint_size > 0 {
            facts.push((
                "full checkpoint size",
                format::bytes(h.full_checkpoint_size),
            ));
        }
        facts.push((
            "key groups shipped / referenced",
            format!("{} / {}", h.key_groups_shipped, h.key_groups_skipped),
        ));
    }
    if let Some(c) = stored {
        let own = c
            .chunks
            .iter()
            .filter(|ch| ch.shared_from.is_none())
            .count();
        let missing = c.chunks.iter().filter(|ch| !ch.present).count();
        let raw: u64 = c.chunks.iter().map(|ch| ch.raw_bytes).sum();
        let enc: u64 = c.chunks.iter().map(|ch| ch.encoded_bytes).sum();
        if stats.is_none() {
            facts.push(("status", "completed".into()));
            facts.push(("source offset", format::count(c.offset)));
        }
        facts.push(("completed at", format::at(c.completed_at_us)));
        facts.push(("parallelism", c.parallelism.to_string()));
        facts.push((
            "chunks",
            format!(
                "{} ({} its own, {} shared with earlier checkpoints{})",
                c.chunks.len(),
                own,
                c.chunks.len() - own,
                if missing > 0 {
                    format!(", {missing} missing")
                } else {
                    String::new()
                }
            ),
        ));
        facts.push((
            "raw / encoded",
            format!(
                "{} / {} (ratio {})",
                format::bytes(raw),
                format::bytes(enc),
                ratio(raw, enc)
            ),
        ));
        facts.push(("retained", "yes: a restore can use it".into()));
    } else if stats.is_some() {
        facts.push(("retained", "no".into()));
    }
    if facts.is_empty() {
        return html! { <p class="placeholder">{ format!("Checkpoint {id} is no longer known.") }</p> };
    }
    html! {
        <>
            <h3>{ format!("Checkpoint {id}") }</h3>
            { rows(facts) }
        </>
    }
}

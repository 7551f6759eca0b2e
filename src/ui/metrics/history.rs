//! Flink's checkpoint UI, column for column: counts, the history table (a row opens to
//! its sizes in detail and its per-subtask durations) and the min / avg / max summary.
//! The cells' text is `lab::history`'s, so it reads as the inspector does.

use std::collections::BTreeSet;
use std::rc::Rc;

use yew::prelude::*;

use crate::engine::report::format::{at, bytes, count, duration_opt, duration_us, times, DASH};
use crate::engine::report::stats::{CheckpointCounts, CheckpointStats, CheckpointStatus};
use crate::engine::report::summary::{summarize, MinAvgMax};
use crate::engine::transfer::store::CheckpointId;
use crate::lab::history::{row, sizes_in_detail, status_key};

/// Rows shown at first, and at most; older ones live on in the counts and the summary.
const ROWS: usize = 8;
const ROWS_ALL: usize = 100;

#[derive(Properties, Clone)]
pub struct HistoryProps {
    pub history: Rc<Vec<CheckpointStats>>,
}

impl PartialEq for HistoryProps {
    /// `CheckpointStats` has no `PartialEq`; its rows only change at the end of the
    /// history (a checkpoint acknowledged, completed or failed), so compare the tail.
    fn eq(&self, other: &Self) -> bool {
        if Rc::ptr_eq(&self.history, &other.history) {
            return true;
        }
        let (a, b) = (&self.history, &other.history);
        let key = |s: &CheckpointStats| {
            (
                s.id,
                s.status.clone(),
                s.acknowledged_subtasks,
                s.latest_acknowledgement_us,
                s.checkpointed_data_size,
            )
        };
        a.len() == b.len()
            && a.first().map(|s| s.id) == b.first().map(|s| s.id)
            && a.iter()
                .rev()
                .take(4)
                .map(key)
                .eq(b.iter().rev().take(4).map(key))
    }
}

#[derive(Properties, PartialEq)]
pub struct CountsProps {
    pub counts: CheckpointCounts,
}

#[function_component(Counts)]
pub fn counts(props: &CountsProps) -> Html {
    let c = &props.counts;
    let item = |name: &str, key: &str, v: u64| {
        html! {
            <div class="count" data-testid={format!("count-{key}")}>
                <dt>{ name.to_string() }</dt>
                <dd>{ count(v) }</dd>
            </div>
        }
    };
    html! {
        <dl class="counts" aria-label="Checkpoint counts">
            { item("Triggered", "triggered", c.triggered) }
            { item("In Progress", "in-progress", c.in_progress) }
            { item("Completed", "completed", c.completed) }
            { item("Failed", "failed", c.failed) }
            { item("Restored", "restored", c.restored) }
        </dl>
    }
}

fn status_cell(s: &CheckpointStatus) -> Html {
    match s {
        CheckpointStatus::InProgress => {
            html! { <span class="cp-status in-progress">{ "◔ In Progress" }</span> }
        }
        CheckpointStatus::Completed => {
            html! { <span class="cp-status completed">{ "✓ Completed" }</span> }
        }
        CheckpointStatus::Failed(reason) => html! {
            <span class="cp-status failed" title={reason.to_string()}>{ "✗ Failed" }</span>
        },
    }
}

fn bytes_cell(label: &'static str, n: u64, text: String) -> Html {
    html! { <td class="num" data-label={label} data-bytes={n.to_string()}>{ text }</td> }
}

#[function_component(History)]
pub fn history(props: &HistoryProps) -> Html {
    let open = use_state(BTreeSet::<CheckpointId>::new);
    let all = use_state(|| false);
    let limit = if *all { ROWS_ALL } else { ROWS };
    let h = &props.history;
    if h.is_empty() {
        return html! {
            <p class="placeholder" data-testid="history-empty">
                { "No checkpoint yet. With checkpointing on, the first one triggers after \
                   the interval; Faults → Trigger checkpoint now starts one at once." }
            </p>
        };
    }
    let toggle = |id: CheckpointId| {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| {
            let mut next = (*open).clone();
            if !next.remove(&id) {
                next.insert(id);
            }
            open.set(next);
        })
    };
    let rows = h.iter().rev().take(limit).map(|s| {
        let expanded = open.contains(&s.id);
        let e2e = s.end_to_end_duration_us;
        let cells = row(s);
        let reason = match &s.status {
            CheckpointStatus::Failed(r) => Some(r.to_string()),
            _ => None,
        };
        html! {
            <>
                <tr class={classes!("row", expanded.then_some("expanded"))}
                    data-checkpoint={s.id.to_string()}
                    data-status={status_key(&s.status)}
                    onclick={toggle(s.id)}>
                    <th scope="row">
                        <button type="button" class="row-toggle" aria-expanded={expanded.to_string()}
                                aria-label={format!("Checkpoint {}: per-subtask details", s.id)}>
                            <span aria-hidden="true">{ if expanded { "▾ " } else { "▸ " } }</span>
                            { s.id }
                        </button>
                    </th>
                    <td class="status-cell">{ status_cell(&s.status) }</td>
                    <td class="num" data-label="Acknowledged">{ cells.acknowledged }</td>
                    <td class="num" data-label="Trigger Time">{ cells.trigger_time }</td>
                    <td class="num" data-label="Latest Acknowledgement">{ cells.latest_acknowledgement }</td>
                    <td class="num" data-label="End to End Duration" data-us={e2e.map(|v| v.to_string())}>{ cells.end_to_end_duration }</td>
                    { bytes_cell("Checkpointed Data Size", s.checkpointed_data_size, cells.checkpointed_data_size) }
                    { bytes_cell("Full Checkpoint Size", s.full_checkpoint_size, cells.full_checkpoint_size) }
                    { bytes_cell("Raw Data Size", s.raw_data_size, cells.raw_data_size) }
                    <td class="num" data-label="Ratio" data-testid="ratio">{ cells.ratio }</td>
                    <td class="num" data-label="Key Groups Shipped / Skipped">{ cells.key_groups }</td>
                </tr>
                if expanded {
                    <tr class="details">
                        <td colspan="11">
                            if let Some(reason) = reason {
                                <p class="failure">{ format!("Failure: {reason}") }</p>
                            }
                            <dl class="facts row-sizes" data-testid={format!("sizes-{}", s.id)}>
                                { for sizes_in_detail(s).into_iter().map(|(name, size)| html! {
                                    <div class="fact"><dt>{ name }</dt><dd>{ size }</dd></div>
                                }) }
                            </dl>
                            <SubtaskTable stats={Rc::new(s.clone())} />
                        </td>
                    </tr>
                }
            </>
        }
    });
    let shown = h.len().min(limit);
    let more = (h.len() > ROWS).then(|| {
        let all = all.clone();
        let label = if *all {
            format!("Show the newest {ROWS}")
        } else {
            format!("Show {} more", h.len().min(ROWS_ALL) - ROWS)
        };
        html! {
            <button type="button" class="action more" data-testid="history-more"
                    onclick={Callback::from(move |_: MouseEvent| all.set(!*all))}>{ label }</button>
        }
    });
    html! {
        <>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Checkpoint history">
                <table class="history" data-testid="history">
                    <thead>
                        <tr>
                            <th scope="col">{ "ID" }</th>
                            <th scope="col">{ "Status" }</th>
                            <th scope="col">{ "Acknowledged" }</th>
                            <th scope="col">{ "Trigger Time" }</th>
                            <th scope="col">{ "Latest Acknowledgement" }</th>
                            <th scope="col">{ "End to End Duration" }</th>
                            <th scope="col">{ "Checkpointed Data Size" }</th>
                            <th scope="col">{ "Full Checkpoint Size" }</th>
                            <th scope="col" title="statelab: serialised bytes before the codec">{ "Raw Data Size" }</th>
                            <th scope="col" title="statelab: raw ÷ checkpointed">{ "Ratio" }</th>
                            <th scope="col">{ "Key Groups Shipped / Skipped" }</th>
                        </tr>
                    </thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
            <p class="table-note">
                { format!("Newest first; {shown} of {} checkpoints. Tap a row for its subtasks. \
                           Checkpointed Data Size is what the checkpoint uploaded (the delta, for \
                           incremental); Raw Data Size and Ratio are statelab's, not Flink's. ",
                          h.len()) }
                { more.unwrap_or_default() }
            </p>
        </>
    }
}

#[derive(Properties)]
struct SubtaskTableProps {
    stats: Rc<CheckpointStats>,
}

impl PartialEq for SubtaskTableProps {
    fn eq(&self, _other: &Self) -> bool {
        // Re-rendered with its row; nothing to save by comparing.
        false
    }
}

#[function_component(SubtaskTable)]
fn subtask_table(props: &SubtaskTableProps) -> Html {
    let s = &props.stats;
    let rows = s.subtasks.iter().map(|t| {
        html! {
            <tr>
                <th scope="row">{ t.subtask }</th>
                <td class="num">{ t.acknowledged_at_us.map_or_else(|| DASH.into(), at) }</td>
                <td class="num">{ duration_opt(t.start_delay_us) }</td>
                <td class="num">{ duration_opt(t.alignment_us) }</td>
                <td class="num">{ duration_opt(t.sync_us) }</td>
                <td class="num">{ duration_opt(t.async_us) }</td>
                <td class="num">{ format!("{} / {}", t.key_groups_shipped, t.key_groups_referenced) }</td>
            </tr>
        }
    });
    html! {
        <table class="subtasks" data-testid={format!("subtasks-{}", s.id)}>
            <caption>{ format!("Checkpoint {} by subtask", s.id) }</caption>
            <thead>
                <tr>
                    <th scope="col">{ "Subtask" }</th>
                    <th scope="col">{ "Acknowledged" }</th>
                    <th scope="col">{ "Start Delay" }</th>
                    <th scope="col">{ "Alignment Duration" }</th>
                    <th scope="col">{ "Sync Duration" }</th>
                    <th scope="col">{ "Async Duration" }</th>
                    <th scope="col">{ "Key Groups Shipped / Referenced" }</th>
                </tr>
            </thead>
            <tbody>{ for rows }</tbody>
        </table>
    }
}

#[function_component(Summary)]
pub fn summary(props: &HistoryProps) -> Html {
    let done = props
        .history
        .iter()
        .filter(|s| s.status == CheckpointStatus::Completed)
        .count();
    if done == 0 {
        return html! {};
    }
    // The engine's own summary, so the table and the CLI agree to the byte.
    let sum = summarize(&props.history);
    let cells = |v: Option<MinAvgMax>, f: &dyn Fn(f64) -> String| match v {
        Some(m) => html! {
            <><td class="num">{ f(m.min) }</td><td class="num">{ f(m.avg) }</td>
              <td class="num">{ f(m.max) }</td></>
        },
        None => html! { <><td>{ "—" }</td><td>{ "—" }</td><td>{ "—" }</td></> },
    };
    let ms = |v: f64| duration_us((v * 1000.0).round() as u64);
    let size = |v: f64| bytes(v.round() as u64);
    let row = |name: &str, cells: Html| {
        html! { <tr><th scope="row">{ name.to_string() }</th>{ cells }</tr> }
    };
    html! {
        <div class="table-scroll" tabindex="0" role="region" aria-label="Checkpoint summary">
            <table class="summary" data-testid="summary">
                <caption>{ format!("Summary of {done} completed checkpoints") }</caption>
                <thead>
                    <tr><th></th><th scope="col">{ "Minimum" }</th><th scope="col">{ "Average" }</th>
                        <th scope="col">{ "Maximum" }</th></tr>
                </thead>
                <tbody>
                    { row("End to End Duration", cells(sum.end_to_end_duration_ms, &ms)) }
                    { row("Checkpointed Data Size", cells(sum.checkpointed_data_size, &size)) }
                    { row("Full Checkpoint Size", cells(sum.full_checkpoint_size, &size)) }
                    { row("Sync Duration", cells(sum.sync_duration_ms, &ms)) }
                    { row("Async Duration", cells(sum.async_duration_ms, &ms)) }
                    { row("Alignment Duration", cells(sum.alignment_duration_ms, &ms)) }
                    { row("Start Delay", cells(sum.start_delay_ms, &ms)) }
                    { row("Compression Ratio", cells(sum.compression_ratio, &times)) }
                </tbody>
            </table>
        </div>
    }
}

//! The recovery card, pinned at the top of the dock once the job has failed: the
//! exactly-once badge and the recovery's phase, checkpoint, replay and cost. The words
//! are `lab::recovery`'s.
//!
//! The badge is the oracle's verdict, not ours: the engine replays the same records
//! without any failure and compares state at the offset where the recovered job caught
//! up. `data-testid="exactly-once"` with `data-ok` appears only once the verdict is in;
//! while the recovery runs the element is `exactly-once-pending`, so a test waiting for
//! the badge never reads a half-finished answer.

use yew::prelude::*;

use crate::engine::report::format::count;
use crate::lab::recovery::{readout, Stage};
use crate::ui::context::LabState;

#[derive(Properties, PartialEq)]
pub struct RecoveryProps {
    pub lab: LabState,
}

#[function_component(Recovery)]
pub fn recovery(props: &RecoveryProps) -> Html {
    let lab = &props.lab;
    let view = &lab.view;
    let Some(r) = &view.latest_recovery else {
        return html! {};
    };
    let out = readout(r, view);
    let badge = match &out.verdict {
        Some(rep) if rep.ok() => html! {
            <p class="badge ok" data-testid="exactly-once" data-ok="true" role="status">
                <span class="badge-mark" aria-hidden="true">{ "✓" }</span>
                <span><strong>{ "exactly-once ✓" }</strong>
                { format!(" state equals the no-failure run at offset {}", count(rep.offset)) }</span>
            </p>
        },
        Some(rep) => html! {
            <p class="badge bad" data-testid="exactly-once" data-ok="false" role="alert">
                <span class="badge-mark" aria-hidden="true">{ "✗" }</span>
                <span><strong>{ "exactly-once ✗" }</strong>
                { format!(" state differs from the no-failure run at offset {} in key group{} {}",
                    count(rep.offset),
                    if rep.differing_key_groups.len() == 1 { "" } else { "s" },
                    rep.differing_key_groups.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(", ")) }</span>
            </p>
        },
        None => html! {
            <p class="badge pending" data-testid="exactly-once-pending" role="status">
                <span class="badge-mark" aria-hidden="true">{ "…" }</span>
                <span><strong>{ "exactly-once: " }</strong>{ out.pending.clone() }</span>
            </p>
        },
    };
    let stage = match out.stage {
        Stage::Restarting => "restarting",
        Stage::Restoring { .. } => "restoring",
        Stage::Replaying => "replaying",
        Stage::Draining => "draining",
        Stage::Done => "done",
    };
    let (done, total) = (out.replay.done, out.replay.total);
    let share = match out.stage {
        Stage::Restarting | Stage::Restoring { .. } => 0.0,
        _ if total == 0 => 1.0,
        _ => done as f64 / total as f64,
    };
    html! {
        <section class="recovery-card" data-testid="recovery" data-stage={stage}
            data-checkpoint={out.checkpoint.map_or_else(String::new, |(id, _)| id.to_string())}
            data-replayed={done.to_string()} data-replay-total={total.to_string()}
            aria-labelledby="recovery-heading">
            <h2 id="recovery-heading">{ "Recovery" }</h2>
            { badge }
            <div class="replay-meter" aria-hidden="true">
                <span style={format!("width:{:.1}%", share * 100.0)}></span>
            </div>
            <dl class="readout">
                { for out.facts.iter().map(|(k, v)| html! {
                    <div class="readout-row"><dt>{ *k }</dt><dd>{ v.clone() }</dd></div>
                }) }
                <div class="readout-row"><dt>{ "Restores so far" }</dt><dd>{ view.counts.restored }</dd></div>
            </dl>
        </section>
    }
}

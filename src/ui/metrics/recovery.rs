//! The exactly-once badge after a recovery, and what the recovery cost.
//!
//! The badge is the oracle's verdict, not ours: the engine replays the same records
//! without any failure and compares state at the offset where the recovered job caught
//! up. `data-testid="exactly-once"` with `data-ok` appears only once the verdict is in;
//! while replay catches up the element is `exactly-once-pending`, so a test waiting for
//! the badge never reads a half-finished answer.

use yew::prelude::*;

use crate::engine::report::format::{at, bytes, count, duration_us};
use crate::engine::report::stats::RecoveryStats;

#[derive(Properties, PartialEq)]
pub struct RecoveryProps {
    pub recovery: Option<RecoveryStats>,
    pub restored: u64,
    /// Where the source is now, to show replay catching up.
    pub source_offset: u64,
}

#[function_component(Recovery)]
pub fn recovery(props: &RecoveryProps) -> Html {
    let Some(r) = &props.recovery else {
        return html! {
            <p class="placeholder" data-testid="no-recovery">
                { "No recovery yet. Crash the job (Faults) and the lab checks that the \
                   recovered state equals a run without the failure." }
            </p>
        };
    };
    let badge = match &r.exactly_once {
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
        None => {
            let target = r.offset_at_failure;
            let done = props.source_offset.min(target);
            html! {
                <p class="badge pending" data-testid="exactly-once-pending" role="status">
                    <span class="badge-mark" aria-hidden="true">{ "…" }</span>
                    <span><strong>{ "exactly-once: checking" }</strong>
                    { format!(" replay at offset {} of {} (where the failure struck)",
                              count(done), count(target)) }</span>
                </p>
            }
        }
    };
    let from = match r.checkpoint {
        Some(id) => format!(
            "restored checkpoint {id} (offset {})",
            count(r.restore_offset)
        ),
        None => "no completed checkpoint: started from empty state at offset 0".into(),
    };
    let time = r
        .recovery_time_us()
        .map_or_else(|| "still recovering".into(), duration_us);
    html! {
        <div class="recovery" data-testid="recovery">
            { badge }
            <dl class="readout">
                <dt>{ "Failure" }</dt><dd>{ format!("{} at {}", r.cause, at(r.failed_at_us)) }</dd>
                <dt>{ "Restore" }</dt><dd>{ from }</dd>
                <dt>{ "Downloaded" }</dt><dd>{ bytes(r.downloaded_bytes) }</dd>
                <dt>{ "Replayed" }</dt><dd>{ format!("{} records", count(r.replayed_records)) }</dd>
                <dt>{ "Recovery time" }</dt><dd>{ time }</dd>
                <dt>{ "Restores so far" }</dt><dd>{ props.restored }</dd>
            </dl>
            if !r.fallbacks.is_empty() {
                <ul class="fallbacks">
                    { for r.fallbacks.iter().map(|f| html! { <li>{ f.to_string() }</li> }) }
                </ul>
            }
        </div>
    }
}

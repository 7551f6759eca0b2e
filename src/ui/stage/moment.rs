//! The stage's caption, one line above the pipeline: what is happening now and how far
//! it has come (`lab::moments`), "slow motion around checkpoint 3" while slow motion holds
//! the run, "running at 0.6×, not the 1× asked" when the engine really cannot keep up,
//! the last recovery's exactly-once verdict, and for a scale model "scale model 1:F" with
//! the real job's sizes. Its height is fixed, so the pipeline
//! under it never moves.

use yew::prelude::*;

use crate::engine::report::format;
use crate::ui::context::LabState;

#[derive(Properties, PartialEq)]
pub struct MomentBarProps {
    pub lab: LabState,
}

#[function_component(MomentBar)]
pub fn moment_bar(props: &MomentBarProps) -> Html {
    let lab = &props.lab;
    let view = &lab.view;
    let (kind, text) = match &lab.moment {
        Some(m) => ("moment", m.to_string()),
        None => match (
            view.policy.next_trigger_at_us,
            lab.config.checkpointing.interval_ms,
        ) {
            (Some(t), _) => (
                "idle",
                format!(
                    "records flow to their subtasks; the next checkpoint is due at {}",
                    format::at(t)
                ),
            ),
            (None, None) => (
                "idle",
                "records flow to their subtasks; checkpointing is off (C triggers one)".into(),
            ),
            (None, Some(_)) => ("idle", "records flow to their subtasks".into()),
        },
    };
    let slowed = lab.slowed.as_ref().map(|around| {
        html! {
            <span class="slowmo-badge" data-testid="slow-motion" role="status"
                title="The run slows down around the moments that matter; M or the Slow motion switch turns it off">
                { format!("slow motion around {around}") }
            </span>
        }
    });
    let behind = lab.behind.map(|(reached, planned)| {
        html! {
            <span class="behind" data-testid="behind" role="status"
                title="The engine work per frame is capped so the page stays smooth; the run falls behind instead of freezing.">
                { format!("running at {}, not the {} asked: the engine cannot keep up",
                    format::speed(reached), format::speed(planned)) }
            </span>
        }
    });
    let verdict = view
        .latest_recovery
        .as_ref()
        .and_then(|r| r.exactly_once.as_ref())
        .map(|rep| {
            let (class, text) = if rep.ok() {
                ("ok", "last recovery: exactly-once ✓")
            } else {
                ("bad", "last recovery: exactly-once ✗")
            };
            html! {
                <span class={classes!("verdict-chip", class)} data-testid="verdict-chip"
                    title={format!("compared with the run without the failure at offset {}", format::count(rep.offset))}>
                    { text }
                </span>
            }
        });
    // A scale model says so where its sizes are read, with the real job's (`lab::scale`).
    let scale = crate::lab::scale::mark(&lab.config, view, &lab.history).map(|m| {
        html! {
            <span class="scale-chip" data-testid="scale-model" title={m.explanation}>
                <strong>{ m.label }</strong>{ " · " }{ m.figures }
            </span>
        }
    });
    html! {
        <div class="moment-bar" data-testid="moment" data-kind={kind}>
            <span class="moment-text" title={text.clone()}>{ text }</span>
            { for scale }
            { for slowed }
            { for behind }
            { for verdict }
        </div>
    }
}

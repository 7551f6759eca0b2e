//! The timeline strip under the pipeline: the run's virtual time as a track with its
//! markers (checkpoints triggered, completed, failed; crashes, restores, rescales,
//! faults, settings), a scrubber to drag to any past moment, step back / step buttons,
//! "branch here", and the branches as chips to switch between. Everything it shows is
//! `lab::travel::TimelineView`; everything it does is a `TravelIntent`.
//!
//! The scrubber is a native range input, so the mouse drags it and the keyboard moves
//! it (arrows, Home, End, Page Up/Down) with the browser's own accessibility. The
//! dock's Branches tab (`branches.rs`) lists and compares the branches; `side.rs` draws
//! the compared branch beside the pipeline.

pub mod branches;
pub mod side;

use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::engine::report::format;
use crate::lab::intent::Intent;
use crate::lab::timeline::MarkerKind;
use crate::lab::travel::{MarkerMark, TravelIntent};
use crate::ui::context::LabState;

#[derive(Properties, PartialEq)]
pub struct TimelineStripProps {
    pub lab: LabState,
}

#[function_component(TimelineStrip)]
pub fn timeline_strip(props: &TimelineStripProps) -> Html {
    let lab = &props.lab;
    let tl = &lab.timeline;
    let send = |intent: TravelIntent| {
        let dispatch = lab.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(Intent::Travel(intent.clone())))
    };
    let end_ms = tl.end_us / 1_000;
    let oninput = {
        let dispatch = lab.dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let Some(input) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            if let Ok(ms) = input.value().parse::<u64>() {
                dispatch.emit(Intent::Travel(TravelIntent::Seek(ms * 1_000)));
            }
        })
    };
    let pct = |x: f64| format!("{:.3}%", (x * 100.0).clamp(0.0, 100.0));
    let head_x = tl.head_us as f64 / tl.end_us.max(1) as f64;
    let now_x = tl.now_us as f64 / tl.end_us.max(1) as f64;
    let branch_name = tl
        .branches
        .get(tl.branch)
        .map_or("A".to_string(), |b| b.name.clone());
    let state = if tl.in_past() {
        format!("{branch_name}'s past: play replays what it did; acting here starts a new branch")
    } else {
        format!("{branch_name}, at its latest moment")
    };
    let chips = tl.branches.iter().map(|b| {
        let current = b.index == tl.branch;
        let title = b
            .origin
            .clone()
            .unwrap_or_else(|| "the run as it started".to_string());
        html! {
            <button type="button" class="tl-chip" aria-pressed={current.to_string()}
                data-testid={format!("branch-{}", b.name)}
                title={format!("branch {}: {title}; run to {}", b.name, format::at(b.head_us))}
                onclick={send(TravelIntent::Switch(b.index))}>
                { &b.name }
            </button>
        }
    });
    let memory = tl.memory;
    let memory_text = format!(
        "{} keyframes · ≤ {} of {}",
        memory.keyframes,
        format::bytes(memory.estimated_bytes),
        format::bytes(memory.budget_bytes)
    );
    html! {
        <section class="timeline" data-region="timeline" aria-label="Timeline: scrub, step back, branch"
            data-now-us={tl.now_us.to_string()} data-head-us={tl.head_us.to_string()}
            data-branch={branch_name.clone()} data-past={tl.in_past().to_string()}>
            <div class="tl-buttons">
                <button type="button" class="tl-btn" data-testid="tl-back"
                    title="Step back to where the last step of the chosen kind stopped (←; Shift+← one checkpoint)"
                    onclick={send(TravelIntent::StepBack)}>
                    { "◂ Back" }<kbd>{ "←" }</kbd>
                </button>
                <button type="button" class="tl-btn" data-testid="tl-step"
                    title="Step forward to the next moment of the chosen kind (→)"
                    onclick={{
                        let dispatch = lab.dispatch.clone();
                        Callback::from(move |_: MouseEvent| dispatch.emit(Intent::StepMoment))
                    }}>
                    { "Step ▸" }<kbd>{ "→" }</kbd>
                </button>
            </div>
            <div class="tl-track">
                <Marks marks={tl.markers.clone()} dispatch={lab.dispatch.clone()} />
                <div class="tl-run" style={format!("width: {}", pct(head_x))}></div>
                if let Some(x) = tl.fork_x {
                    <div class="tl-fork" style={format!("left: {}", pct(x))}
                        title={format!("{branch_name} branched off here")}></div>
                }
                <div class="tl-now" style={format!("left: {}", pct(now_x))}></div>
                <input type="range" class="tl-range" data-testid="tl-scrubber"
                    aria-label="Moment shown (virtual time, ms)"
                    aria-valuetext={format::at(tl.now_us)}
                    min="0" max={end_ms.to_string()} step="1"
                    value={(tl.now_us / 1_000).to_string()} {oninput} />
            </div>
            <div class="tl-readout">
                <span class="tl-time" data-testid="tl-time">
                    <strong>{ format::at(tl.now_us) }</strong>
                    { format!(" / {}", format::at(tl.head_us)) }
                </span>
                <span class="tl-ends">
                    <button type="button" class="tl-mini" title="The run's first moment (Home)"
                        onclick={send(TravelIntent::Start)}>{ "⇤" }</button>
                    <button type="button" class="tl-mini" data-testid="tl-end"
                        title="This branch's latest moment (End)"
                        onclick={send(TravelIntent::End)}>{ "⇥" }</button>
                </span>
            </div>
            <div class="tl-branches" role="group" aria-label="Branches">
                <button type="button" class="tl-btn tl-fork-btn" data-testid="tl-fork"
                    disabled={!tl.can_fork}
                    title="Start a branch here, an exact copy of this moment: then change a setting or act differently (B)"
                    onclick={send(TravelIntent::Fork)}>
                    { "Branch here" }<kbd>{ "B" }</kbd>
                </button>
                { for chips }
            </div>
            <p class="tl-status" data-testid="tl-status">
                <span>{ state }</span>
                <span class="tl-memory" title="Keyframes are copies of the run kept to reach any moment quickly; older ones are thinned out to stay within the budget (an upper bound: copies share unchanged state)">
                    { memory_text }
                </span>
            </p>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct MarksProps {
    marks: Rc<Vec<MarkerMark>>,
    dispatch: Callback<Intent>,
}

/// The markers on the track; redrawn only when they change (a new marker, a longer
/// track), not every frame.
#[function_component(Marks)]
fn marks(props: &MarksProps) -> Html {
    let marks = props.marks.iter().map(|m| {
        let dispatch = props.dispatch.clone();
        let (at_us, seq) = (m.at_us, m.seq);
        let onclick = Callback::from(move |_: MouseEvent| {
            dispatch.emit(Intent::Travel(TravelIntent::SeekMarker { at_us, seq }))
        });
        let title = if m.count > 1 {
            format!("{} (and {} more close by)", m.title, m.count - 1)
        } else {
            m.title.clone()
        };
        let notable = m.kind.notable();
        html! {
            <button type="button" class="tl-mark" data-kind={m.kind.id()}
                data-at-us={m.at_us.to_string()}
                style={format!("left: {:.3}%", m.x * 100.0)}
                tabindex={if notable { "0" } else { "-1" }}
                aria-label={title.clone()} {title} {onclick}>
                { glyph(m.kind) }
            </button>
        }
    });
    html! {
        <div class="tl-marks">{ for marks }</div>
    }
}

/// What a notable marker shows (checkpoint ticks are plain lines).
fn glyph(kind: MarkerKind) -> &'static str {
    match kind {
        MarkerKind::CheckpointTriggered | MarkerKind::CheckpointCompleted => "",
        MarkerKind::CheckpointFailed => "!",
        MarkerKind::Crash => "✕",
        MarkerKind::Restore => "↺",
        MarkerKind::Rescale => "⇅",
        MarkerKind::Fault => "⚡",
        MarkerKind::Settings => "⚙",
    }
}

//! The top bar: the lab's name, the run controls (play/pause, step to the next moment of
//! the kind chosen, step to a checkpoint's end, speed on a log scale, reset), the virtual
//! clock, the job's status as the engine reports it, and the page switches (slow motion,
//! presenter mode, large font, help).
//!
//! The bar never reflows: every part whose text changes with the run (the play button,
//! the clock, the status, the speed) has a fixed width and cuts what does not fit (the
//! whole text is in its `title`), and the bar keeps one row on a wide screen; what
//! does not fit at a width is hidden by the stylesheet, never wrapped.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::engine::report::stats::JobStatus;

use super::context::LabState;
use crate::engine::report::format;
use crate::lab::intent::Intent;
use crate::lab::pacing::{MAX_SPEED, MIN_SPEED};
use crate::lab::stepping::StepKind;

#[function_component(TopBar)]
pub fn top_bar() -> Html {
    let Some(lab) = use_context::<LabState>() else {
        return html! {};
    };
    let send = |intent: Intent| {
        let dispatch = lab.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(intent.clone()))
    };
    let on_speed = {
        let dispatch = lab.dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Ok(exp) = input.value().parse::<f64>() {
                dispatch.emit(Intent::SetSpeed(10f64.powf(exp)));
            }
        })
    };
    let on_kind = {
        let dispatch = lab.dispatch.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            if let Some(kind) = StepKind::from_id(&select.value()) {
                dispatch.emit(Intent::SetStepKind(kind));
            }
        })
    };
    let view = &lab.view;
    let (play_label, play_icon) = if lab.playing {
        ("Pause", "❚❚")
    } else {
        ("Play", "▶")
    };
    let speed_exp = lab.speed.log10();
    let kind = lab.step_kind;
    html! {
        <header class="topbar">
            <div class="brand">
                <h1 class="title">{ "statelab" }</h1>
                <p class="subtitle">
                    { "How a Flink-style stream processor moves keyed state during checkpoints" }
                </p>
            </div>
            <div class="run-controls" role="group" aria-label="Run">
                <button type="button" id="play" class="tb-button primary"
                    aria-label={play_label} title={format!("{play_label} (Space)")}
                    onclick={send(Intent::TogglePlay)}>
                    <span aria-hidden="true" class="icon">{ play_icon }</span>
                    <span class="label">{ play_label }</span>
                </button>
                <span class="step-group" role="group" aria-label="Step">
                    <button type="button" id="step-event" class="tb-button"
                        title={format!("Step to the next {} (→ or .)", kind.label())}
                        disabled={lab.stepping}
                        onclick={send(Intent::StepMoment)}>
                        { "Step" }
                    </button>
                    <select id="step-kind" class="step-kind" aria-label="Step to the next"
                        title="What Step stops at (keys 1–6 choose and step)" onchange={on_kind}>
                        { for StepKind::ALL.iter().map(|k| html! {
                            <option value={k.id()} selected={*k == kind}>
                                { format!("{} {}", k.key(), k.label()) }
                            </option>
                        }) }
                    </select>
                </span>
                <button type="button" id="step-checkpoint" class="tb-button" aria-label="Step to the end of the next checkpoint"
                    title="Step to the end of the next checkpoint (Shift+→)" disabled={lab.stepping}
                    onclick={send(Intent::StepCheckpoint)}>
                    <span aria-hidden="true">{ "⇥" }</span>
                    <span class="step-checkpoint-label">{ " Checkpoint" }</span>
                </button>
                <div class="speed" role="group" aria-label="Speed">
                    <button type="button" class="tb-button small" aria-label="Slower" title="Slower (−)"
                        onclick={send(Intent::SpeedDown)}>{ "−" }</button>
                    <input type="range" id="speed" class="speed-slider"
                        min={MIN_SPEED.log10().to_string()} max={MAX_SPEED.log10().to_string()} step="0.05"
                        value={speed_exp.to_string()}
                        aria-label="Speed, virtual seconds per wall second"
                        aria-valuetext={format::speed(lab.speed)}
                        oninput={on_speed} />
                    <output id="speed-value" class="speed-value" for="speed"
                        title="Virtual seconds per wall second">{ format::speed(lab.speed) }</output>
                    <button type="button" class="tb-button small" aria-label="Faster" title="Faster (+)"
                        onclick={send(Intent::SpeedUp)}>{ "+" }</button>
                </div>
                <button type="button" id="reset" class="tb-button" aria-label="Reset"
                    title="Reset: start the run again from virtual time 0"
                    onclick={send(Intent::Reset)}>
                    <span aria-hidden="true">{ "↺" }</span><span class="label">{ " Reset" }</span>
                </button>
            </div>
            <div class="run-state" data-offset={view.source.offset.to_string()}
                data-state-bytes={view.subtasks.iter().map(|s| s.state_bytes).sum::<u64>().to_string()}>
                <span class="clock-label">{ "virtual time" }</span>
                <output id="clock" class="clock" data-us={view.now_us.to_string()} aria-live="off">
                    { format::at(view.now_us) }
                </output>
                <StatusBadge />
            </div>
            <div class="page-controls">
                <button type="button" id="lessons-toggle" class="tb-button toggle"
                    aria-pressed={lab.lessons.picker.is_some().to_string()}
                    title="Lessons: guided tours of what the lab shows, predict then observe"
                    onclick={send(Intent::Lesson(crate::lab::lesson::LessonIntent::TogglePicker))}>
                    { "Lessons" }
                </button>
                <button type="button" id="slow-motion-toggle" class="tb-button toggle"
                    aria-pressed={lab.slow_motion.to_string()}
                    title="Slow motion around checkpoints, restores and replays, so each moment can be watched (M)"
                    onclick={send(Intent::ToggleSlowMotion)}>
                    { "Slow motion" }
                </button>
                <button type="button" id="presenter-toggle" class="tb-button toggle"
                    aria-pressed={lab.presenter.to_string()}
                    title="Presenter mode: the pipeline fills the screen, text is large (P)"
                    onclick={send(Intent::TogglePresenter)}>
                    { if lab.presenter { "Exit presenter" } else { "Present" } }
                </button>
                <button type="button" id="large-font-toggle" class="tb-button toggle"
                    aria-pressed={lab.large_font.to_string()} aria-label="Large font"
                    title="Large font: larger text on the page and in the pipeline"
                    onclick={send(Intent::ToggleLargeFont)}>
                    <span aria-hidden="true">{ "A+" }</span>
                </button>
                <button type="button" id="help-button" class="tb-button round" aria-label="Help and keyboard shortcuts"
                    title="Help and keyboard shortcuts (?)" onclick={send(Intent::ToggleHelp)}>{ "?" }</button>
            </div>
        </header>
    }
}

/// The job's status in the engine's own terms, with restore and replay progress. Its box
/// has a fixed width: a longer text is cut, and the whole of it is the box's title.
#[function_component(StatusBadge)]
fn status_badge() -> Html {
    let Some(lab) = use_context::<LabState>() else {
        return html! {};
    };
    let view = &lab.view;
    let replay = view
        .latest_recovery
        .as_ref()
        .filter(|r| r.restored_at_us.is_some() && r.caught_up_at_us.is_none());
    // A short text for the badge, the whole sentence for its title.
    let (kind, text, full) = match &view.status {
        JobStatus::Running => match replay {
            // The counter stops at the failure point; replay runs on past it only to
            // drain the channels before the check.
            Some(r) => {
                let total = r.offset_at_failure.saturating_sub(r.restore_offset);
                let done = view
                    .source
                    .offset
                    .min(r.offset_at_failure)
                    .saturating_sub(r.restore_offset);
                let (done, total) = (format::count(done), format::count(total));
                (
                    "replaying",
                    format!("replay {done} of {total}"),
                    format!("replaying {done} of {total} records up to the failure point"),
                )
            }
            None => ("running", "running".to_string(), "running".to_string()),
        },
        JobStatus::Restarting { restart_at_us } => {
            let left = format::duration_us(restart_at_us.saturating_sub(view.now_us));
            (
                "restarting",
                format!("restart in {left}"),
                format!("failed: the job restarts in {left} (restart delay)"),
            )
        }
        JobStatus::Restoring {
            checkpoint,
            chunks_total,
            chunks_done,
        } => match checkpoint {
            Some(id) => (
                "restoring",
                format!("restore {chunks_done}/{chunks_total}"),
                format!("restoring checkpoint {id}: {chunks_done} of {chunks_total} chunks read"),
            ),
            None => (
                "restoring",
                "empty state".to_string(),
                "restoring: no completed checkpoint, empty state".to_string(),
            ),
        },
    };
    let (text, full) = if lab.stepping {
        (format!("{text} · stepping"), format!("{full} (stepping)"))
    } else {
        (text, full)
    };
    html! {
        <span class={classes!("status", format!("status-{kind}"))} id="job-status" data-status={kind}
            title={full}>
            <span class="status-dot" aria-hidden="true"></span>
            <span class="status-text">{ text }</span>
        </span>
    }
}

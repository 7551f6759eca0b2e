//! The top bar: the lab's name, the run controls (play/pause, step an event or a
//! checkpoint, speed on a log scale, reset), the virtual clock, the job's status as the
//! engine reports it, the seed, and the page switches (copy link, large font, help).

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::engine::report::stats::JobStatus;

use super::context::LabState;
use crate::engine::report::format;
use crate::lab::fields::numbers::parse_seed;
use crate::lab::intent::Intent;
use crate::lab::pacing::{MAX_SPEED, MIN_SPEED};

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
    let view = &lab.view;
    let (play_label, play_icon) = if lab.playing {
        ("Pause", "❚❚")
    } else {
        ("Play", "▶")
    };
    let speed_exp = lab.speed.log10();
    let behind = lab.effective_speed.map(|s| {
        html! {
            <span class="behind" role="status" title="The engine work per frame is capped so the page stays smooth; the run falls behind instead of freezing.">
                { format!("running at {} of the {} asked: the engine cannot keep up", format::speed(s), format::speed(lab.speed)) }
            </span>
        }
    });
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
                <button type="button" id="step-event" class="tb-button"
                    title="Step to the next event (→)" disabled={lab.stepping}
                    onclick={send(Intent::StepEvent)}>
                    { "Step event" }
                </button>
                <button type="button" id="step-checkpoint" class="tb-button"
                    title="Step to the end of the next checkpoint (Shift+→)" disabled={lab.stepping}
                    onclick={send(Intent::StepCheckpoint)}>
                    { "Step checkpoint" }
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
                    <button type="button" class="tb-button small" aria-label="Faster" title="Faster (+)"
                        onclick={send(Intent::SpeedUp)}>{ "+" }</button>
                    <output id="speed-value" class="speed-value" for="speed">{ format::speed(lab.speed) }</output>
                </div>
                <button type="button" id="reset" class="tb-button" title="Start the run again from virtual time 0"
                    onclick={send(Intent::Reset)}>{ "Reset" }</button>
            </div>
            <div class="run-state" data-offset={view.source.offset.to_string()}
                data-state-bytes={view.subtasks.iter().map(|s| s.state_bytes).sum::<u64>().to_string()}>
                <span class="clock-label">{ "virtual time" }</span>
                <output id="clock" class="clock" data-us={view.now_us.to_string()} aria-live="off">
                    { format::at(view.now_us) }
                </output>
                <StatusBadge />
                { for behind }
            </div>
            <div class="page-controls">
                <SeedInput />
                <button type="button" id="copy-link" class="tb-button" onclick={send(Intent::CopyLink)}
                    title="Copy a link that reproduces this configuration and seed">{ "Copy link" }</button>
                <button type="button" id="large-font-toggle" class="tb-button toggle"
                    aria-pressed={lab.large_font.to_string()} onclick={send(Intent::ToggleLargeFont)}>
                    { "Large font" }
                    <span class="tb-state">{ if lab.large_font { ": on" } else { ": off" } }</span>
                </button>
                <button type="button" id="help-button" class="tb-button round" aria-label="Help and keyboard shortcuts"
                    title="Help and keyboard shortcuts (?)" onclick={send(Intent::ToggleHelp)}>{ "?" }</button>
            </div>
        </header>
    }
}

/// The job's status in the engine's own terms, with restore progress.
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
    let (kind, text) = match &view.status {
        JobStatus::Running => match replay {
            Some(r) => (
                "replaying",
                format!(
                    "replaying: offset {} of {}",
                    format::count(view.source.offset),
                    format::count(r.offset_at_failure)
                ),
            ),
            None => ("running", "running".to_string()),
        },
        JobStatus::Restarting { restart_at_us } => (
            "restarting",
            format!(
                "restarting in {}",
                format::duration_us(restart_at_us.saturating_sub(view.now_us))
            ),
        ),
        JobStatus::Restoring {
            checkpoint,
            chunks_total,
            chunks_done,
        } => (
            "restoring",
            match checkpoint {
                Some(id) => {
                    format!("restoring checkpoint {id}: {chunks_done}/{chunks_total} chunks")
                }
                None => "restoring: no checkpoint, empty state".to_string(),
            },
        ),
    };
    let stepping = lab
        .stepping
        .then(|| html! { <span class="stepping">{ "stepping…" }</span> });
    html! {
        <>
            <span class={classes!("status", format!("status-{kind}"))} id="job-status" data-status={kind}>
                <span class="status-dot" aria-hidden="true"></span>
                { text }
            </span>
            { for stepping }
        </>
    }
}

/// The seed: typed freely, applied on Enter or when the field loses focus; a value that
/// is not a whole number is named next to the field and never reaches the engine.
#[function_component(SeedInput)]
fn seed_input() -> Html {
    let lab = use_context::<LabState>();
    let draft = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let Some(lab) = lab else {
        return html! {};
    };
    let current = lab.config.seed;
    let commit = {
        let draft = draft.clone();
        let error = error.clone();
        let dispatch = lab.dispatch.clone();
        move |text: String| match parse_seed(&text) {
            Ok(seed) => {
                error.set(None);
                draft.set(None);
                if seed != current {
                    dispatch.emit(Intent::SetSeed(seed));
                }
            }
            Err(why) => error.set(Some(why)),
        }
    };
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            draft.set(Some(input.value()));
        })
    };
    let onchange = {
        let commit = commit.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            commit(input.value());
        })
    };
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" {
            let input: HtmlInputElement = e.target_unchecked_into();
            commit(input.value());
        }
    });
    let value = (*draft).clone().unwrap_or_else(|| current.to_string());
    html! {
        <div class="seed">
            <label for="seed" class="seed-label">{ "seed" }</label>
            <input id="seed" class="seed-input" type="text" inputmode="numeric" autocomplete="off"
                spellcheck="false" value={value} aria-invalid={error.is_some().to_string()}
                aria-describedby="seed-error" {oninput} {onchange} {onkeydown} />
            <span id="seed-error" class="field-error" role="alert">{ (*error).clone().unwrap_or_default() }</span>
        </div>
    }
}

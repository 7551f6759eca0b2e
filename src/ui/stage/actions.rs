//! The action bar under the pipeline: what a demonstration does to the running job,
//! always on screen beside what it acts on. Trigger a checkpoint, crash the job, crash a
//! subtask, rescale, corrupt or lose a chunk, and the link and store faults in a menu.
//! Each button names its key; the subtask, the chunk and the parallelism come from what
//! is selected in the pipeline when something is (click a subtask, then crash it), else
//! from the small inputs here, which the keys use too.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::link_faults::{LinkFaults, Param};
use crate::engine::report::stats::JobStatus;
use crate::lab::faults;
use crate::lab::intent::{Intent, Selection, Target};
use crate::ui::context::LabState;

#[derive(Properties, PartialEq)]
pub struct ActionBarProps {
    pub lab: LabState,
}

#[function_component(ActionBar)]
pub fn action_bar(props: &ActionBarProps) -> Html {
    let lab = &props.lab;
    let view = &lab.view;
    let running = matches!(view.status, JobStatus::Running);
    let parallelism = view.subtasks.len() as u32;
    let key_groups = view.key_groups.len() as u32;
    let latest = view.store.checkpoints.last();
    let (subtask_text, parallelism_text, key_group_text) = lab.targets.clone();

    // What is selected decides the target where it can; the inputs otherwise.
    let subtask = match &lab.selection {
        Some(Selection::Subtask(i)) if *i < parallelism => Ok(*i),
        Some(Selection::KeyGroup(kg)) => view
            .key_groups
            .get(*kg as usize)
            .map(|k| k.subtask)
            .ok_or_else(|| format!("key group {kg} does not exist")),
        _ => faults::subtask(&subtask_text, parallelism),
    };
    let chunk = match &lab.selection {
        Some(Selection::Chunk(id)) => Ok(*id),
        Some(Selection::KeyGroup(kg)) => faults::chunk_of(&kg.to_string(), key_groups, latest),
        _ => faults::chunk_of(&key_group_text, key_groups, latest),
    };
    // The input's own message only says what is wrong with what was typed; that there is
    // no chunk yet shows on the buttons (disabled, with the reason in their title).
    let key_group_error = faults::chunk_of(&key_group_text, key_groups, None)
        .err()
        .filter(|e| !e.contains("no completed checkpoint"));
    let rescale = faults::rescale(&parallelism_text, key_groups);
    let from_selection = matches!(
        lab.selection,
        Some(Selection::Subtask(_) | Selection::KeyGroup(_) | Selection::Chunk(_))
    );

    let send = |intent: Intent| {
        let dispatch = lab.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(intent.clone()))
    };
    let set = |target: Target| {
        let dispatch = lab.dispatch.clone();
        Callback::from(move |text: String| dispatch.emit(Intent::SetTarget(target, text)))
    };
    let button = |label: String,
                  key: &str,
                  testid: &str,
                  intent: Intent,
                  enabled: bool,
                  why_not: Option<String>,
                  danger: bool| {
        let title = match &why_not {
            Some(why) if !enabled => format!("{label} ({key}): {why}"),
            _ => format!("{label} ({key})"),
        };
        html! {
            <button type="button" class={classes!("action", danger.then_some("danger"))}
                data-testid={testid.to_string()} disabled={!enabled} title={title}
                onclick={send(intent)}>
                { label }<kbd class="key-hint" aria-hidden="true">{ key.to_string() }</kbd>
            </button>
        }
    };
    let not_running = (!running).then(|| "the job is recovering; wait until it runs".to_string());
    let subtask_label = match &subtask {
        Ok(s) => format!("Crash subtask {s}"),
        Err(_) => "Crash subtask".into(),
    };
    // With something selected, its subtask and key group show in the inputs (not
    // editable), so the bar keeps its layout and says what the buttons act on.
    let (subtask_shown, subtask_locked) = match &lab.selection {
        Some(Selection::Subtask(_) | Selection::KeyGroup(_)) => (
            subtask
                .as_ref()
                .map_or(subtask_text.clone(), |s| s.to_string()),
            true,
        ),
        _ => (subtask_text, false),
    };
    let selected_key_group = match &lab.selection {
        Some(Selection::KeyGroup(kg)) => Some(*kg),
        Some(Selection::Chunk(id)) => view
            .store
            .checkpoints
            .iter()
            .flat_map(|c| c.chunks.iter())
            .find(|c| c.chunk == *id)
            .map(|c| c.key_group),
        _ => None,
    };
    let (key_group_shown, key_group_locked) = match selected_key_group {
        Some(kg) => (kg.to_string(), true),
        None => (key_group_text, false),
    };
    let on_enter = |intent: Intent| {
        let dispatch = lab.dispatch.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                let input: HtmlInputElement = e.target_unchecked_into();
                let _ = input.blur();
                dispatch.emit(intent.clone());
            }
        })
    };
    html! {
        <div class="action-bar" role="toolbar" aria-label="Actions on the running job" data-region="actions">
            <div class="action-group">
                { button("Trigger checkpoint".into(), "C", "trigger-checkpoint",
                    Intent::TriggerCheckpoint, running, not_running.clone(), false) }
                { button("Crash the job".into(), "X", "crash-job", Intent::CrashJob,
                    running, not_running.clone(), true) }
            </div>
            <div class="action-group" onkeydown={on_enter(Intent::CrashTargetSubtask)}>
                <Param id="fault-subtask" label="Subtask" unit="" value={subtask_shown}
                    disabled={subtask_locked}
                    error={if from_selection { None } else { subtask.clone().err() }}
                    oninput={set(Target::Subtask)} />
                { button(subtask_label, "S", "crash-subtask", Intent::CrashTargetSubtask,
                    running && subtask.is_ok(),
                    not_running.clone().or(subtask.clone().err()), true) }
            </div>
            <div class="action-group" onkeydown={on_enter(Intent::RescaleToTarget)}>
                <Param id="fault-rescale" label="Parallelism" unit="" value={parallelism_text}
                    error={rescale.clone().err()} oninput={set(Target::Parallelism)} />
                { button("Rescale".into(), "R", "rescale", Intent::RescaleToTarget,
                    running && rescale.is_ok(), not_running.or(rescale.clone().err()), false) }
            </div>
            <div class="action-group">
                <Param id="fault-key-group" label="Key group" unit="" value={key_group_shown}
                    disabled={key_group_locked}
                    error={if key_group_locked { None } else { key_group_error }}
                    oninput={set(Target::KeyGroup)} />
                { button("Corrupt chunk".into(), "K", "corrupt-chunk", Intent::CorruptTargetChunk,
                    chunk.is_ok(), chunk.clone().err(), true) }
                { button("Lose chunk".into(), "L", "lose-chunk", Intent::LoseTargetChunk,
                    chunk.is_ok(), chunk.clone().err(), true) }
            </div>
            <LinkFaults lab={lab.clone()} />
        </div>
    }
}

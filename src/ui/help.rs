//! The help overlay: every keyboard shortcut, and how to read the pipeline picture.
//! Opened with ? or the ? button, closed with Esc, the close button or a click outside.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::context::LabState;
use crate::lab::intent::Intent;
use crate::lab::keyboard::SHORTCUTS;
use crate::lab::lesson::keys::LESSON_SHORTCUTS;

#[function_component(Help)]
pub fn help() -> Html {
    let lab = use_context::<LabState>();
    let close_ref = use_node_ref();
    {
        // Focus moves into the dialog so Tab and Esc act there.
        let close_ref = close_ref.clone();
        use_effect_with((), move |_| {
            if let Some(button) = close_ref.cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        });
    }
    let Some(lab) = lab else {
        return html! {};
    };
    let close = {
        let dispatch = lab.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(Intent::ToggleHelp))
    };
    let backdrop = {
        let dispatch = lab.dispatch.clone();
        Callback::from(move |e: MouseEvent| {
            let on_backdrop = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|el| el.class_list().contains("help-backdrop"));
            if on_backdrop {
                dispatch.emit(Intent::ToggleHelp);
            }
        })
    };
    html! {
        <div class="help-backdrop" onclick={backdrop}>
            <div class="help" id="help" role="dialog" aria-modal="true" aria-labelledby="help-title">
                <div class="help-head">
                    <h2 id="help-title">{ "Keyboard shortcuts and how to read the lab" }</h2>
                    <button type="button" class="notice-close" aria-label="Close help" ref={close_ref}
                        onclick={close}>{ "×" }</button>
                </div>
                <table class="help-keys">
                    <thead><tr><th scope="col">{ "Key" }</th><th scope="col">{ "Does" }</th></tr></thead>
                    <tbody>
                        { for SHORTCUTS.iter().chain(LESSON_SHORTCUTS.iter()).map(|(key, what)| html! {
                            <tr><td><kbd>{ *key }</kbd></td><td>{ *what }</td></tr>
                        }) }
                    </tbody>
                </table>
                <p class="help-note">{ "Shortcuts are off while you type in a field." }</p>
                <h3>{ "The pipeline" }</h3>
                <ul class="help-list">
                    <li>{ "Records leave the source on the left and travel to the subtask that owns \
                           their key group; a dot takes its subtask's colour, as do that subtask's \
                           key groups and their chunks on the link and in the store. Select a key \
                           group and its records stand out. At high rates one dot stands for \
                           several records, as the view says." }</li>
                    <li>{ "Each subtask box holds its key groups as cells: the filled square grows \
                           with the state's bytes; a dark corner means changed since the last \
                           completed checkpoint. The bar in front of a box is its input channel." }</li>
                    <li>{ "A checkpoint's barriers (dark bars with the checkpoint's number) travel \
                           with the records; a subtask flashes when its barrier arrives and it takes \
                           its snapshot. Chunks then travel to the store: the filled square is the \
                           encoded size, the outline the raw size, so compression shows as the gap. \
                           They land in a dashed column until the checkpoint completes." }</li>
                    <li>{ "The store keeps one column per retained checkpoint. Hollow cells are \
                           chunks shared with an earlier checkpoint (incremental); a cross marks a \
                           missing chunk, a zigzag a corrupted one." }</li>
                    <li>{ "On a crash the subtasks grey out, chunks come back over the link, the \
                           source rewinds to the checkpoint's offset and replays; the recovery card \
                           in the dock ends with the exactly-once verdict." }</li>
                </ul>
                <h3>{ "Watching and presenting" }</h3>
                <ul class="help-list">
                    <li>{ "Slow motion (M) slows the run around each checkpoint, restore and replay \
                           so every moment takes a few seconds; the caption above the pipeline says \
                           what is happening and that slow motion holds the run." }</li>
                    <li>{ "Step (→ or .) goes to the next moment of the kind chosen beside it; keys \
                           1–6 choose a kind and step: the next event, barrier arrival, snapshot, \
                           chunk acknowledged, restore chunk or checkpoint end." }</li>
                    <li>{ "Click a subtask, a key group, a chunk or a checkpoint: a menu opens \
                           there (crash it, corrupt it, lose it) and the dock's Inspect tab explains \
                           it, including why a key group was shipped or held back. The action bar \
                           under the pipeline does the same from the keyboard." }</li>
                    <li>{ "Presenter mode (P, or ?present=1 in the address) gives the pipeline the \
                           whole screen with large text, for a projector." }</li>
                </ul>
            </div>
        </div>
    }
}

//! The help overlay: every keyboard shortcut, and how to read the pipeline picture.
//! Opened with ? or the ? button, closed with Esc, the close button or a click outside.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::context::LabState;
use crate::lab::intent::Intent;
use crate::lab::keyboard::SHORTCUTS;

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
                        { for SHORTCUTS.iter().map(|(key, what)| html! {
                            <tr><td><kbd>{ *key }</kbd></td><td>{ *what }</td></tr>
                        }) }
                    </tbody>
                </table>
                <p class="help-note">{ "Shortcuts are off while you type in a field." }</p>
                <h3>{ "The pipeline" }</h3>
                <ul class="help-list">
                    <li>{ "Records leave the source on the left and travel to the subtask that owns \
                           their key group; a dot's colour is its key group's. At high rates one dot \
                           stands for several records, as the view says." }</li>
                    <li>{ "Each subtask box holds its key groups as cells: the filled square grows \
                           with the state's bytes; a corner mark means changed since the last \
                           completed checkpoint. The bar in front of a box is its input channel; \
                           vertical lines in it are checkpoint barriers." }</li>
                    <li>{ "A subtask flashes when its barrier arrives and it takes its snapshot. \
                           Chunks then travel to the store: the filled square is the encoded \
                           size, the outline the raw size, so compression shows as the gap." }</li>
                    <li>{ "The store keeps one column per retained checkpoint. Hollow cells are \
                           chunks shared with an earlier checkpoint (incremental); a cross marks a \
                           missing chunk, a zigzag a corrupted one." }</li>
                    <li>{ "On a crash the subtasks grey out, chunks come back over the link, the \
                           source rewinds to the checkpoint's offset and replays." }</li>
                    <li>{ "Click or tap anything to inspect it." }</li>
                </ul>
            </div>
        </div>
    }
}

//! The run's identity at the top of the Settings tab: its seed (typed freely, applied on
//! Enter or when the field loses focus; a value that is not a whole number is named next
//! to the field and never reaches the engine) and the link that reproduces it.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::lab::fields::numbers::parse_seed;
use crate::lab::intent::Intent;
use crate::ui::context::LabState;

#[derive(Properties, PartialEq)]
pub struct RunProps {
    pub lab: LabState,
}

#[function_component(Run)]
pub fn run(props: &RunProps) -> Html {
    let lab = &props.lab;
    let draft = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
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
    let copy = {
        let dispatch = lab.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(Intent::CopyLink))
    };
    html! {
        <div class="run-identity">
            <div class="seed field">
                <label for="seed" class="field-label"><span class="field-name">{ "Seed" }</span></label>
                <span class="field-input">
                    <input id="seed" class="seed-input" type="text" inputmode="numeric" autocomplete="off"
                        spellcheck="false" value={value} aria-invalid={error.is_some().to_string()}
                        aria-describedby="seed-error" {oninput} {onchange} {onkeydown} />
                </span>
                <span id="seed-error" class="field-msg error" role="alert">{ (*error).clone().unwrap_or_default() }</span>
            </div>
            <button type="button" id="copy-link" class="action" onclick={copy}
                title="Copy a link that reproduces this configuration and seed">{ "Copy link" }</button>
            <p class="hint">{ "The seed and every setting live in the address: a reload or a \
                               shared link reproduces the run." }</p>
        </div>
    }
}

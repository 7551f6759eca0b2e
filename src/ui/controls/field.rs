//! One configuration input: a number, a choice or an optional number, with its message
//! right next to it.
//!
//! What the field edits, and how its text is checked, is `lab::fields`': every edit is
//! tried on a copy of the current configuration and checked by the engine's own
//! `Config::validate()`, so a value that fails never leaves the field. While the text is
//! being typed the message updates on every keystroke; the configuration is sent only on
//! `change` (Enter, leaving the field, picking an option), so typing "16" does not restart
//! the job at "1".

use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::engine::config::Config;
use crate::lab::fields::edit::try_edit;
use crate::lab::fields::spec::{Kind, Spec};
use crate::lab::intent::Intent;

#[derive(Properties, Clone)]
pub struct FieldProps {
    pub spec: &'static Spec,
    pub config: Rc<Config>,
    pub dispatch: Callback<Intent>,
    /// Extra words under the input (a derived value, a consequence of the choice).
    #[prop_or_default]
    pub note: Option<AttrValue>,
}

impl PartialEq for FieldProps {
    fn eq(&self, other: &Self) -> bool {
        // Specs are statics: the same path is the same spec.
        self.spec.path == other.spec.path
            && self.config == other.config
            && self.dispatch == other.dispatch
            && self.note == other.note
    }
}

fn id_of(path: &str) -> String {
    format!("cfg-{}", path.replace(['.', '_'], "-"))
}

#[function_component(Field)]
pub fn field(props: &FieldProps) -> Html {
    let spec = props.spec;
    // Text typed but not (yet) applied, and what is wrong with it.
    let draft = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);

    // Another way of changing the configuration (reset, a shared link, another field)
    // replaces a stale draft only when the draft was fine; a rejected value stays in view
    // with its message until the person fixes or abandons it.
    {
        let draft = draft.clone();
        let error = error.clone();
        use_effect_with(props.config.clone(), move |_| {
            if error.is_none() {
                draft.set(None);
            }
        });
    }

    let current = (spec.get)(&props.config);
    let shown = (*draft).clone().unwrap_or_else(|| current.clone());
    let id = id_of(spec.path);
    let msg_id = format!("{id}-msg");

    let check = {
        let config = props.config.clone();
        let draft = draft.clone();
        let error = error.clone();
        move |text: String| {
            let result = try_edit(spec, &config, &text);
            error.set(result.as_ref().err().cloned());
            draft.set(Some(text));
            result
        }
    };
    let commit = {
        let dispatch = props.dispatch.clone();
        let draft = draft.clone();
        let current = current.clone();
        move |result: Result<Config, String>, text: &str| {
            if let Ok(config) = result {
                draft.set(None);
                if text.trim() != current {
                    dispatch.emit(Intent::ApplyConfig(Box::new(config)));
                }
            }
        }
    };

    let invalid = error.is_some();
    let input = match &spec.kind {
        // Numbers and text are the same box; the phone's keyboard is what differs.
        Kind::Number { .. } | Kind::Text => {
            let inputmode = match &spec.kind {
                Kind::Number { decimal: true } => "decimal",
                Kind::Number { decimal: false } => "numeric",
                _ => "text",
            };
            let (oninput, onchange) = text_handlers(check.clone(), commit.clone());
            html! {
                <input
                    id={id.clone()}
                    type="text"
                    {inputmode}
                    autocomplete="off"
                    spellcheck="false"
                    value={shown.clone()}
                    aria-invalid={invalid.to_string()}
                    aria-describedby={msg_id.clone()}
                    {oninput}
                    {onchange}
                />
            }
        }
        Kind::Choice(options) => {
            let onchange = {
                let check = check.clone();
                let commit = commit.clone();
                Callback::from(move |e: Event| {
                    let el: HtmlSelectElement = e.target_unchecked_into();
                    let text = el.value();
                    commit(check(text.clone()), &text);
                })
            };
            html! {
                <select id={id.clone()} aria-invalid={invalid.to_string()}
                        aria-describedby={msg_id.clone()} {onchange}>
                    { for options.iter().map(|(value, label)| html! {
                        <option value={*value} selected={*value == shown}>{ *label }</option>
                    }) }
                </select>
            }
        }
        Kind::Optional {
            none_label,
            fallback,
        } => {
            // Absent is what the configuration says, not what is being typed: clearing the
            // text must not disable the input before Enter commits it (a disabled input
            // then sent back its fallback, and the interval snapped back to 2 000 ms).
            let absent = current.is_empty();
            let on_toggle = {
                let check = check.clone();
                let commit = commit.clone();
                let config = props.config.clone();
                let fallback = *fallback;
                Callback::from(move |e: Event| {
                    let el: HtmlInputElement = e.target_unchecked_into();
                    let text = if el.checked() {
                        String::new()
                    } else {
                        fallback(&config)
                    };
                    commit(check(text.clone()), &text);
                })
            };
            let (oninput, onchange) = text_handlers(check.clone(), commit.clone());
            let fallback_text = fallback(&props.config);
            html! {
                <span class="optional-input">
                    <label class="none-toggle">
                        <input type="checkbox" id={format!("{id}-none")} checked={absent}
                               onchange={on_toggle} />
                        { *none_label }
                    </label>
                    <input
                        id={id.clone()}
                        type="text"
                        inputmode="numeric"
                        autocomplete="off"
                        spellcheck="false"
                        disabled={absent}
                        value={if absent { fallback_text } else { shown.clone() }}
                        aria-invalid={invalid.to_string()}
                        aria-describedby={msg_id.clone()}
                        {oninput}
                        {onchange}
                    />
                </span>
            }
        }
    };

    html! {
        <div class={classes!("field", invalid.then_some("invalid"))} data-field={spec.path}>
            <label for={id.clone()} class="field-label">
                <span class="field-name">{ spec.label }</span>
                if let Some(option) = spec.option {
                    <code class="flink-option">{ option }</code>
                }
            </label>
            <span class="field-input">
                { input }
                if let Some(unit) = spec.unit {
                    <span class="unit">{ unit }</span>
                }
            </span>
            <p id={msg_id} class={classes!("field-msg", invalid.then_some("error"))}
               role={invalid.then_some("alert")} data-testid="field-message">
                { (*error).clone().or_else(|| props.note.as_ref().map(|n| n.to_string())).unwrap_or_default() }
            </p>
        </div>
    }
}

/// A text input's two handlers: `input` checks and shows the message while typing,
/// `change` (Enter, leaving the field) checks again and commits a valid value.
fn text_handlers(
    check: impl Fn(String) -> Result<Config, String> + Clone + 'static,
    commit: impl Fn(Result<Config, String>, &str) + 'static,
) -> (Callback<InputEvent>, Callback<Event>) {
    let oninput = {
        let check = check.clone();
        Callback::from(move |e: InputEvent| {
            let el: HtmlInputElement = e.target_unchecked_into();
            let _ = check(el.value());
        })
    };
    let onchange = Callback::from(move |e: Event| {
        let el: HtmlInputElement = e.target_unchecked_into();
        let text = el.value();
        commit(check(text.clone()), &text);
    });
    (oninput, onchange)
}

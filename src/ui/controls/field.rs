//! One configuration input: a number, a choice or an optional number, with its message
//! right next to it.
//!
//! A field knows how to read its value from a [`Config`] and how to write a typed value
//! back. Every edit is tried on a copy of the current configuration and checked by the
//! engine's own `Config::validate()`, so the panels never duplicate the engine's rules and
//! a value that fails them never leaves the field. While the text is being typed the
//! message updates on every keystroke; the configuration is sent only on `change` (Enter,
//! leaving the field, picking an option), so typing "16" does not restart the job at "1".

use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::engine::config::Config;
use crate::ui::lab::Intent;

/// Parses the text and writes it into the configuration, or says why it cannot.
pub type Setter = fn(&mut Config, &str) -> Result<(), String>;
/// Formats the field's current value.
pub type Getter = fn(&Config) -> String;

/// What a field edits and how. `path` is the dotted path `Config::validate()` reports
/// errors under, so its messages land next to this input.
pub struct Spec {
    pub path: &'static str,
    pub label: &'static str,
    /// The Flink option this setting mirrors, shown under the label (no hover needed).
    pub option: Option<&'static str>,
    pub unit: Option<&'static str>,
    pub get: Getter,
    pub set: Setter,
    pub kind: Kind,
}

pub enum Kind {
    /// Free text parsed by `set`; `decimal` picks the phone keyboard.
    Number { decimal: bool },
    /// One of a fixed list of `(value, label)`; `set` receives the value.
    Choice(&'static [(&'static str, &'static str)]),
    /// A number that may be absent: a box to tick for the absent case, labelled
    /// `none_label`. `set` receives "" for absent; `fallback` is the value the number
    /// takes when the box is unticked.
    Optional {
        none_label: &'static str,
        fallback: Getter,
    },
}

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

/// Applies `text` to a copy of `config` and validates the result. On failure the message
/// names other fields when the engine blames them (a cross-field rule such as
/// parallelism ≤ max parallelism).
pub fn try_edit(spec: &Spec, config: &Config, text: &str) -> Result<Config, String> {
    let mut next = config.clone();
    (spec.set)(&mut next, text.trim())?;
    match next.validate() {
        Ok(()) => Ok(next),
        Err(errors) => {
            let own: Vec<&str> = errors
                .0
                .iter()
                .filter(|e| e.field == spec.path)
                .map(|e| e.message.as_str())
                .collect();
            if !own.is_empty() {
                return Err(own.join("; "));
            }
            Err(errors
                .0
                .iter()
                .map(|e| {
                    let field = super::specs::label_of(&e.field).unwrap_or(&e.field);
                    format!("{field}: {}", e.message)
                })
                .collect::<Vec<_>>()
                .join("; "))
        }
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
        Kind::Number { decimal } => {
            let (oninput, onchange) = text_handlers(check.clone(), commit.clone());
            html! {
                <input
                    id={id.clone()}
                    type="text"
                    inputmode={if *decimal { "decimal" } else { "numeric" }}
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
            let absent = shown.is_empty();
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

/// Integer parser with a message a person can act on.
pub fn parse_u64(text: &str) -> Result<u64, String> {
    let t = text.trim().replace('_', "");
    if t.is_empty() {
        return Err("enter a whole number".into());
    }
    t.parse::<u64>().map_err(|_| {
        if t.parse::<f64>().is_ok() {
            format!("`{text}` is not a whole number ≥ 0")
        } else {
            format!("`{text}` is not a number")
        }
    })
}

pub fn parse_u32(text: &str) -> Result<u32, String> {
    let v = parse_u64(text)?;
    u32::try_from(v).map_err(|_| format!("{v} is too large"))
}

pub fn parse_f64(text: &str) -> Result<f64, String> {
    let t = text.trim().replace('_', "");
    if t.is_empty() {
        return Err("enter a number".into());
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("`{text}` is not a number")),
    }
}

/// Formats a number without a trailing ".0" and without float noise.
pub fn fmt_f64(v: f64) -> String {
    let rounded = (v * 1e6).round() / 1e6;
    format!("{rounded}")
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

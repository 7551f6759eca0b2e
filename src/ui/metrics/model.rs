//! The state-transfer model panel: the design notes' formulas with the run's numbers,
//! one symbol for one meaning (`lab::model` has the numbers and the words). Each number
//! is a button that points at where it shows in the pipeline.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::engine::report::format;
use crate::lab::intent::Intent;
use crate::lab::model::{self, Block, Term, DEFAULT_PARTITION_BYTES};
use crate::ui::context::LabState;

#[derive(Properties, PartialEq)]
pub struct ModelProps {
    pub lab: LabState,
}

#[function_component(Model)]
pub fn model(props: &ModelProps) -> Html {
    let lab = &props.lab;
    let view = &lab.view;
    let z_text = use_state(|| format::bytes(DEFAULT_PARTITION_BYTES));
    let z = model::parse_size(&z_text);
    let on_z = {
        let z_text = z_text.clone();
        Callback::from(move |e: InputEvent| {
            let el: HtmlInputElement = e.target_unchecked_into();
            z_text.set(el.value());
        })
    };
    let z_bytes = *z.as_ref().unwrap_or(&DEFAULT_PARTITION_BYTES);
    let blocks = model::blocks(view, &lab.history, &lab.config, z_bytes);
    let reasons: Vec<String> = view
        .policy
        .ship_counts
        .iter()
        .map(|(reason, n)| format!("{n} {}", reason.explain()))
        .collect();
    let block = |b: &Block| {
        let z_input = (b.id == "partitions").then(|| {
            html! {
                <div class={classes!("field", "inline", z.is_err().then_some("invalid"))}>
                    <label for="target-partition" class="field-label">
                        <span class="field-name">{ "Partition size Z" }</span>
                    </label>
                    <span class="field-input">
                        <input id="target-partition" type="text" inputmode="decimal"
                               value={(*z_text).clone()} aria-invalid={z.is_err().to_string()}
                               aria-describedby="target-partition-msg" oninput={on_z.clone()} />
                    </span>
                    <p id="target-partition-msg" class="field-msg error" data-testid="field-message">
                        { z.clone().err().unwrap_or_default() }
                    </p>
                </div>
            }
        });
        html! {
            <section class="formula-block" data-testid={format!("model-{}", b.id)}>
                <h3>{ b.title }</h3>
                <p class="formula" data-testid={format!("formula-{}", b.id)}>
                    { for b.formula.iter().map(|t| term(lab, t)) }
                </p>
                { for z_input }
                { for b.sentences.iter().map(|s| html! { <p class="sentence">{ s.clone() }</p> }) }
            </section>
        }
    };
    html! {
        <div class="model" data-testid="model">
            <p class="hint">{ "The design notes model state transfer with three formulas. Here \
                               each symbol means one thing; click a number to see where it \
                               shows in the pipeline." }</p>
            { for blocks.iter().map(block) }
            if !reasons.is_empty() {
                <section class="formula-block">
                    <h3>{ "At the last barrier" }</h3>
                    <ul class="ship-reasons" aria-label="Why key groups were shipped or not">
                        { for reasons.iter().map(|r| html! { <li>{ r.clone() }</li> }) }
                    </ul>
                </section>
            }
        </div>
    }
}

fn term(lab: &LabState, t: &Term) -> Html {
    match t {
        Term::Text(s) => html! { <span>{ s.clone() }</span> },
        Term::Number { text, spot: None } => html! { <span class="num">{ text.clone() }</span> },
        Term::Number {
            text,
            spot: Some(spot),
        } => {
            let dispatch = lab.dispatch.clone();
            let spot = *spot;
            html! {
                <button type="button" class="num link" title={format!("show {} in the pipeline", spot.name())}
                    onclick={Callback::from(move |_: MouseEvent| dispatch.emit(Intent::Spotlight(spot)))}>
                    { text.clone() }
                </button>
            }
        }
    }
}

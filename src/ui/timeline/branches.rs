//! The dock's Branches tab: every branch of the run (where it came from, what it changed,
//! how far it was run), which one is shown, and the shown one compared with another at
//! the same moment (`lab::compare::Comparison`): where they diverged, the first event
//! that differs, and the figures side by side with the differing ones marked.

use yew::prelude::*;

use crate::engine::report::format;
use crate::lab::intent::Intent;
use crate::lab::travel::TravelIntent;
use crate::ui::context::LabState;

#[derive(Properties, PartialEq)]
pub struct BranchesProps {
    pub lab: LabState,
}

#[function_component(Branches)]
pub fn branches(props: &BranchesProps) -> Html {
    let lab = &props.lab;
    let tl = &lab.timeline;
    let send = |intent: TravelIntent| {
        let dispatch = lab.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(Intent::Travel(intent.clone())))
    };
    let rows = tl.branches.iter().map(|b| {
        let shown = b.index == tl.branch;
        let compared = tl.compare == Some(b.index);
        html! {
            <li class={classes!("branch-row", shown.then_some("shown"))}
                data-testid={format!("branch-row-{}", b.name)}>
                <strong class="branch-name">{ &b.name }</strong>
                <span class="branch-origin">
                    { b.origin.clone().unwrap_or_else(|| "the run as it started".into()) }
                    { format!(" · run to {}", format::at(b.head_us)) }
                </span>
                <span class="branch-actions">
                    if shown {
                        <span class="branch-shown">{ "shown" }</span>
                    } else {
                        <button type="button" class="tl-mini" onclick={send(TravelIntent::Switch(b.index))}>
                            { "Show" }
                        </button>
                        <button type="button" class="tl-mini" aria-pressed={compared.to_string()}
                            data-testid={format!("compare-{}", b.name)}
                            onclick={send(TravelIntent::Compare((!compared).then_some(b.index)))}>
                            { if compared { "Comparing" } else { "Compare" } }
                        </button>
                    }
                </span>
            </li>
        }
    });
    let comparison = tl.comparison.as_ref().map(|c| {
        let (a, b) = (&c.names.0, &c.names.1);
        let table_rows = c.rows.iter().map(|r| {
            html! {
                <tr class={classes!(r.differs.then_some("differs"))}>
                    <th scope="row">{ r.label }</th>
                    <td>{ &r.a }</td>
                    <td>{ &r.b }</td>
                </tr>
            }
        });
        html! {
            <section class="comparison" data-testid="comparison" aria-label={format!("{a} compared with {b}")}>
                <h3>{ format!("{a} vs {b} at {}", format::at(c.at_us)) }</h3>
                <p class="compare-facts">
                    { match c.diverged_at_us {
                        Some(t) => format!("Same seed; diverged at {}. ", format::at(t)),
                        None => String::new(),
                    } }
                    if c.identical {
                        <strong data-testid="compare-identical">{ "Identical at this moment (same digest)." }</strong>
                    } else if c.first_difference.is_none() {
                        { "Their events agree so far; their state differs." }
                    }
                </p>
                if let (false, Some(d)) = (c.identical, c.first_difference.as_ref()) {
                    <dl class="compare-first" data-testid="first-difference">
                        <dt>{ format!("First different event, at {}", format::at(d.at_us)) }</dt>
                        <dd><strong>{ a }</strong>{ " " }{ d.a.clone().unwrap_or_else(|| "nothing more".into()) }</dd>
                        <dd><strong>{ b }</strong>{ " " }{ d.b.clone().unwrap_or_else(|| "nothing more".into()) }</dd>
                    </dl>
                }
                if c.at_us < tl.now_us {
                    <p class="hint">{ format!("{b} has been run only to {}: both are compared there.", format::at(c.at_us)) }</p>
                }
                <table class="compare-table">
                    <thead><tr><th></th><th scope="col">{ a }</th><th scope="col">{ b }</th></tr></thead>
                    <tbody>{ for table_rows }</tbody>
                </table>
            </section>
        }
    });
    html! {
        <section class="branches-panel" data-region="branches" aria-labelledby="branches-heading">
            <h2 id="branches-heading">{ "Branches: what if I had done otherwise?" }</h2>
            // Once two branches are compared, the table needs the room more than the how-to.
            if tl.comparison.is_none() {
            <p class="hint">
                { "Go back on the timeline, press " }<kbd>{ "B" }</kbd>
                { ", then act or change a setting: same seed, same moment, the original kept." }
            </p>
            }
            <ul class="branch-list">{ for rows }</ul>
            if let Some(c) = comparison {
                { c }
            } else if tl.branches.len() > 1 {
                <p class="hint">{ "Press Compare beside a branch to set it against the one shown." }</p>
            }
        </section>
    }
}

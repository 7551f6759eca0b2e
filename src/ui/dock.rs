//! The dock beside the stage: everything that is not the pipeline, one tab at a time
//! (Inspect, Model, Metrics, What if, Your job, Settings), with the recovery card pinned above the
//! tabs once the job has failed, so its readout and the exactly-once badge stay in view
//! whatever tab is open. Only the open tab is drawn. The tab is remembered (`lab::prefs`).
//!
//! On a phone the dock sits under the stage; a tap in the pipeline opens the Inspect tab
//! and scrolls it into view, since it would otherwise open below the fold.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::context::LabState;
use super::controls::Controls;
use super::flink::FlinkJob;
use super::inspector::Inspector;
use super::metrics::model::Model;
use super::metrics::recovery::Recovery;
use super::metrics::Metrics;
use super::sweep::SweepPanel;
use super::timeline::branches::Branches;
use crate::lab::intent::Intent;
use crate::lab::prefs::DockTab;

/// Below this width the dock stacks under the stage (as `static/style.css` lays it out).
const STACKED_BELOW_PX: f64 = 900.0;

#[function_component(Dock)]
pub fn dock() -> Html {
    let lab = use_context::<LabState>();
    let dock_ref = use_node_ref();
    {
        // A new selection on a phone: bring the inspector into view.
        let dock_ref = dock_ref.clone();
        let selection = lab.as_ref().and_then(|l| l.selection.clone());
        use_effect_with(selection, move |selection| {
            let narrow = web_sys::window()
                .and_then(|w| w.inner_width().ok())
                .and_then(|w| w.as_f64())
                .is_some_and(|w| w < STACKED_BELOW_PX);
            if selection.is_some() && narrow {
                if let Some(el) = dock_ref.cast::<web_sys::Element>() {
                    let options = web_sys::ScrollIntoViewOptions::new();
                    options.set_behavior(web_sys::ScrollBehavior::Smooth);
                    options.set_block(web_sys::ScrollLogicalPosition::Start);
                    el.scroll_into_view_with_scroll_into_view_options(&options);
                }
            }
        });
    }
    let Some(lab) = lab else {
        return html! {};
    };
    let tab = lab.dock_tab;
    let tabs = DockTab::ALL.iter().map(|t| {
        let dispatch = lab.dispatch.clone();
        let t = *t;
        let selected = t == tab;
        let onclick = Callback::from(move |_: MouseEvent| dispatch.emit(Intent::ShowTab(t)));
        html! {
            <button type="button" role="tab" class="dock-tab" id={format!("tab-{}", t.id())}
                data-testid={format!("tab-{}", t.id())}
                aria-selected={selected.to_string()} aria-controls={format!("panel-{}", t.id())}
                tabindex={if selected { "0" } else { "-1" }} {onclick}>
                { t.label() }
            </button>
        }
    });
    // Arrow keys move between tabs, as in any tab list.
    let onkeydown = {
        let dispatch = lab.dispatch.clone();
        Callback::from(move |e: KeyboardEvent| {
            let i = DockTab::ALL.iter().position(|t| *t == tab).unwrap_or(0);
            let n = DockTab::ALL.len();
            let next = match e.key().as_str() {
                "ArrowRight" => (i + 1) % n,
                "ArrowLeft" => (i + n - 1) % n,
                _ => return,
            };
            e.prevent_default();
            e.stop_propagation();
            let t = DockTab::ALL[next];
            dispatch.emit(Intent::ShowTab(t));
            if let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(&format!("tab-{}", t.id())))
                .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = el.focus();
            }
        })
    };
    let panel = match tab {
        DockTab::Inspector => html! { <Inspector /> },
        DockTab::Model => html! { <Model lab={lab.clone()} /> },
        DockTab::Metrics => html! { <Metrics lab={lab.clone()} /> },
        DockTab::WhatIf => html! { <SweepPanel lab={lab.clone()} /> },
        DockTab::Branches => html! { <Branches lab={lab.clone()} /> },
        DockTab::Flink => html! { <FlinkJob lab={lab.clone()} /> },
        DockTab::Settings => html! { <Controls /> },
    };
    html! {
        <aside class="dock" data-region="dock" ref={dock_ref} aria-label="Details, metrics and settings">
            if lab.view.latest_recovery.is_some() {
                <Recovery lab={lab.clone()} />
            }
            <div class="dock-tabs" role="tablist" aria-label="Dock" {onkeydown}>
                { for tabs }
            </div>
            <div class="dock-panel" role="tabpanel" id={format!("panel-{}", tab.id())}
                aria-labelledby={format!("tab-{}", tab.id())} data-tab={tab.id()}>
                { panel }
            </div>
        </aside>
    }
}

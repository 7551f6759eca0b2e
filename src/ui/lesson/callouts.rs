//! Callouts: a lesson's notes pointing at things in the picture. Those on the pipeline
//! ([`CalloutLayer`]) sit over the canvas; after every frame it paints, the pipeline's
//! painter calls [`place_on_canvas`] with the rectangles it drew each target in, so a
//! callout follows a barrier down its channel or a chunk along the link. Those in the
//! dock ([`DockCallouts`]: a formula in the Model tab, a row of the history) are placed
//! beside the element after each picture. Where a box goes is decided without a DOM
//! (`lab::lesson::placement`: beside the target, never over it); here it is only
//! measured and moved. Each callout says what its pointer ends on in `data-tip` and its
//! target's box in `data-target-rect`, for the browser tests.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::lab::geometry::Rect;
use crate::lab::lesson::placement::{place_all, Placement, Side, Wanted};
use crate::lab::lesson::view::{target_key, CalloutPin, Place};
use crate::lab::view::LabView;
use crate::lessons::anchor::Target;
use crate::ui::context::LabState;

/// The visible callouts drawn in `place`'s kind of place (canvas, or dock).
fn shown(lab: &LabView, on_canvas: bool) -> Vec<CalloutPin> {
    lab.lessons.open.as_ref().map_or_else(Vec::new, |o| {
        o.callouts
            .iter()
            .filter(|c| c.visible && c.target.is_some())
            .filter(|c| matches!(c.place, Place::Canvas) == on_canvas)
            .cloned()
            .collect()
    })
}

fn callout_html(c: &CalloutPin, class: &'static str) -> Html {
    let key = c.target.as_ref().map(target_key).unwrap_or_default();
    html! {
        <div class={classes!("callout", class)} data-callout={c.index.to_string()}
            data-target={key} role="note" aria-label={format!("About {}", c.about)}>
            { c.text.clone() }
        </div>
    }
}

fn lines_html(callouts: &[CalloutPin]) -> Html {
    html! {
        <svg class="callout-lines" aria-hidden="true">
            { for callouts.iter().map(|c| html! {
                <line data-callout={c.index.to_string()} x1="0" y1="0" x2="0" y2="0" />
            }) }
        </svg>
    }
}

/// The pipeline's callouts, inside the canvas's frame; the painter places them.
#[function_component(CalloutLayer)]
pub fn callout_layer() -> Html {
    let Some(lab) = use_context::<LabState>() else {
        return html! {};
    };
    let callouts = shown(&lab, true);
    if callouts.is_empty() {
        return html! {};
    }
    html! {
        <div class="callout-layer" data-testid="callouts">
            { lines_html(&callouts) }
            { for callouts.iter().map(|c| callout_html(c, "on-canvas")) }
        </div>
    }
}

/// One callout's element, its size and the side it had.
fn measure(
    layer: &web_sys::Element,
    index: usize,
) -> Option<(web_sys::Element, (f64, f64), Option<Side>)> {
    let el = layer
        .query_selector(&format!(".callout[data-callout=\"{index}\"]"))
        .ok()
        .flatten()?;
    let size = (
        f64::from(el.client_width()) + 2.0,
        f64::from(el.client_height()) + 2.0,
    );
    let last = el
        .get_attribute("data-side")
        .and_then(|s| Side::ALL.into_iter().find(|side| side.id() == s));
    Some((el, size, last))
}

/// Moves the callout and its line to where `placement` says, or hides them.
fn apply(
    layer: &web_sys::Element,
    el: &web_sys::Element,
    index: usize,
    placement: Option<(Placement, Rect)>,
) {
    let line = layer
        .query_selector(&format!("line[data-callout=\"{index}\"]"))
        .ok()
        .flatten();
    let Some((p, target)) = placement else {
        let _ = el.set_attribute("style", "visibility:hidden");
        if let Some(line) = line {
            let _ = line.set_attribute("visibility", "hidden");
        }
        return;
    };
    let _ = el.set_attribute(
        "style",
        &format!(
            "left:{:.1}px;top:{:.1}px;visibility:visible",
            p.rect.x, p.rect.y
        ),
    );
    let _ = el.set_attribute("data-side", p.side.id());
    let _ = el.set_attribute("data-tip", &format!("{:.1},{:.1}", p.tip.0, p.tip.1));
    let _ = el.set_attribute(
        "data-target-rect",
        &format!(
            "{:.1},{:.1},{:.1},{:.1}",
            target.x, target.y, target.w, target.h
        ),
    );
    if let Some(line) = line {
        for (name, value) in [
            ("x1", p.from.0),
            ("y1", p.from.1),
            ("x2", p.tip.0),
            ("y2", p.tip.1),
        ] {
            let _ = line.set_attribute(name, &format!("{value:.1}"));
        }
        let _ = line.set_attribute("visibility", "visible");
    }
}

/// Places the pipeline's callouts after a frame: `frame` is the canvas's frame element,
/// `anchors` where the frame drew each target, `w` × `h` the canvas in CSS pixels.
pub fn place_on_canvas(
    frame: &web_sys::Element,
    lab: &LabView,
    anchors: &[(Target, Rect)],
    w: f64,
    h: f64,
) {
    let Ok(Some(layer)) = frame.query_selector(".callout-layer") else {
        return;
    };
    let callouts = shown(lab, true);
    let found: Vec<_> = callouts
        .iter()
        .filter_map(|c| {
            let (el, size, last) = measure(&layer, c.index)?;
            let target = c
                .target
                .and_then(|t| anchors.iter().find(|(a, _)| *a == t).map(|(_, r)| *r));
            Some((c.index, el, Wanted { target, size, last }))
        })
        .collect();
    let wanted: Vec<Wanted> = found.iter().map(|(_, _, w)| *w).collect();
    // The big things in the picture, which a callout should leave readable.
    let scenery: Vec<Rect> = anchors
        .iter()
        .filter(|(t, _)| {
            matches!(
                t,
                Target::Subtask(_) | Target::Source | Target::StoredCheckpoint(_)
            )
        })
        .map(|(_, r)| *r)
        .collect();
    let bounds = Rect::new(4.0, 4.0, (w - 8.0).max(1.0), (h - 8.0).max(1.0));
    let placed = place_all(
        &wanted,
        &scenery,
        bounds,
        &[Side::Below, Side::Right, Side::Above, Side::Left],
    );
    for ((index, el, want), p) in found.iter().zip(placed) {
        apply(&layer, el, *index, p.zip(want.target));
    }
}

fn rect_of(el: &web_sys::Element) -> Rect {
    let r = el.get_bounding_client_rect();
    Rect::new(r.x(), r.y(), r.width(), r.height())
}

/// Callouts on things in the dock, in a fixed layer over the page, placed beside their
/// element after each picture (the session has switched the dock to their tab).
#[function_component(DockCallouts)]
pub fn dock_callouts() -> Html {
    let lab = use_context::<LabState>();
    let layer = use_node_ref();
    let callouts = lab.as_ref().map_or_else(Vec::new, |l| shown(l, false));
    {
        let layer = layer.clone();
        let callouts = callouts.clone();
        let revision = lab.as_ref().map_or(0, |l| l.revision);
        use_effect_with(revision, move |_| {
            place_in_dock(&layer, &callouts);
        });
    }
    if callouts.is_empty() {
        return html! {};
    }
    html! {
        <div class="callout-layer dock-callouts" ref={layer} data-testid="dock-callouts">
            { lines_html(&callouts) }
            { for callouts.iter().map(|c| callout_html(c, "in-dock")) }
        </div>
    }
}

fn place_in_dock(layer: &NodeRef, callouts: &[CalloutPin]) {
    let Some(layer) = layer.cast::<web_sys::Element>() else {
        return;
    };
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(Some(dock)) = document.query_selector(".dock") else {
        for c in callouts {
            if let Some((el, _, _)) = measure(&layer, c.index) {
                apply(&layer, &el, c.index, None);
            }
        }
        return;
    };
    let bounds = rect_of(&dock);
    let found: Vec<_> = callouts
        .iter()
        .filter_map(|c| {
            let (el, size, last) = measure(&layer, c.index)?;
            let selector = match &c.place {
                Place::Dock { selector, .. } => selector.clone(),
                Place::Canvas => return None,
            };
            let element = document
                .query_selector(&selector)
                .ok()
                .flatten()
                .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok());
            // The dock scrolls its element into view once per callout (then the person
            // may scroll away); one in a closed tab or scrolled out is not pointed at.
            if let Some(t) = &element {
                if el.get_attribute("data-scrolled").as_deref() != Some(selector.as_str()) {
                    let r = rect_of(t);
                    // Not on a phone, where the page itself would scroll away from the lesson.
                    let wide = web_sys::window()
                        .and_then(|w| w.inner_width().ok())
                        .and_then(|w| w.as_f64())
                        .is_some_and(|w| w >= 900.0);
                    if wide && r.h > 0.0 && (r.y < bounds.y || r.bottom() > bounds.bottom()) {
                        let options = web_sys::ScrollIntoViewOptions::new();
                        options.set_block(web_sys::ScrollLogicalPosition::Center);
                        t.scroll_into_view_with_scroll_into_view_options(&options);
                    }
                    let _ = el.set_attribute("data-scrolled", &selector);
                }
            }
            let target = element.map(|t| rect_of(&t)).filter(|r| {
                r.w > 0.0 && r.h > 0.0 && r.y >= bounds.y && r.bottom() <= bounds.bottom()
            });
            Some((c.index, el, Wanted { target, size, last }))
        })
        .collect();
    let wanted: Vec<Wanted> = found.iter().map(|(_, _, w)| *w).collect();
    let placed = place_all(
        &wanted,
        &[],
        bounds,
        &[Side::Below, Side::Above, Side::Left, Side::Right],
    );
    for ((index, el, want), p) in found.iter().zip(placed) {
        apply(&layer, el, *index, p.zip(want.target));
    }
}

//! The compared branch's pipeline, drawn by the same painter and scene as the main one
//! (smaller, beside it): a canvas fed by a picture passed in (not the page's context),
//! with its own motion, and no clicks (acting happens on the branch shown).

use std::rc::Rc;

use yew::prelude::*;

use super::{attach, perf_now, Painter, ResizeCallback};
use crate::lab::geometry::SMALLEST_TEXT_PX;
use crate::ui::context::LabState;

#[derive(Properties, PartialEq)]
pub struct TwinProps {
    /// The compared branch's picture (`lab::side_by_side::companion_lab_view`).
    pub lab: LabState,
    /// What the canvas shows, for screen readers.
    pub label: AttrValue,
}

pub struct TwinPipeline {
    canvas: NodeRef,
    frame: NodeRef,
    painter: Rc<Painter>,
    resize: Option<(web_sys::ResizeObserver, ResizeCallback)>,
}

impl TwinPipeline {
    fn take(&self, lab: &LabState) {
        {
            let mut st = self.painter.state.borrow_mut();
            st.motion.absorb(lab, perf_now());
            st.lab = Some(lab.clone());
            st.dirty = true;
        }
        self.painter.kick();
    }
}

impl Component for TwinPipeline {
    type Message = ();
    type Properties = TwinProps;

    fn create(ctx: &Context<Self>) -> Self {
        let twin = Self {
            canvas: NodeRef::default(),
            frame: NodeRef::default(),
            painter: Painter::new(),
            resize: None,
        };
        twin.take(&ctx.props().lab);
        twin
    }

    fn changed(&mut self, ctx: &Context<Self>, old: &Self::Properties) -> bool {
        self.take(&ctx.props().lab);
        ctx.props().label != old.label
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        html! {
            <div class="canvas-frame twin-frame" ref={self.frame.clone()}>
                <canvas class="pipeline-canvas twin-canvas" ref={self.canvas.clone()} role="img"
                    aria-label={ctx.props().label.clone()} data-testid="twin-canvas"
                    data-text-px={format!("{SMALLEST_TEXT_PX:.1}")} />
            </div>
        }
    }

    fn rendered(&mut self, _ctx: &Context<Self>, first_render: bool) {
        if first_render {
            self.resize = attach(&self.painter, &self.canvas, &self.frame);
        }
    }

    fn destroy(&mut self, _ctx: &Context<Self>) {
        if let Some((observer, _)) = &self.resize {
            observer.disconnect();
        }
        self.painter.stop();
    }
}

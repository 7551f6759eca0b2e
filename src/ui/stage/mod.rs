//! The stage: the pipeline with what explains it and what acts on it, together on one
//! screen. A caption above the canvas says what is happening (and that slow motion holds
//! the run); the action bar under it crashes, rescales, damages chunks and breaks the
//! link. The dock beside the stage holds everything else (`super::dock`); a lesson panel
//! can take the column before it (`.workspace`'s `lesson` area).

mod actions;
mod link_faults;
mod moment;

use yew::prelude::*;

use super::context::LabState;
use super::pipeline::Pipeline;
use super::sweep::SweepBoard;
use super::timeline::side::SideBySide;
use super::timeline::TimelineStrip;
use actions::ActionBar;
use moment::MomentBar;

#[function_component(Stage)]
pub fn stage() -> Html {
    let Some(lab) = use_context::<LabState>() else {
        return html! {};
    };
    // A sweep shown takes the stage's place (the run is paused while it runs).
    if lab.sweep.open && lab.sweep.run.is_some() {
        return html! {
            <section class="stage" aria-label="The sweep's results">
                <SweepBoard lab={lab} />
            </section>
        };
    }
    let side = lab.timeline.companion.is_some() && lab.lessons.open.is_none();
    html! {
        <section class="stage" aria-label="The pipeline and what acts on it">
            <MomentBar lab={lab.clone()} />
            // The compared branch beside the pipeline; the wrapper stays, so the main
            // canvas is never replaced when comparing starts or stops.
            <div class={classes!("stage-pictures", side.then_some("comparing"))}>
                <Pipeline />
                if side {
                    <SideBySide lab={lab.clone()} />
                }
            </div>
            // A lesson moves its own run (its Back and Again travel instead).
            if lab.lessons.open.is_none() {
                <TimelineStrip lab={lab.clone()} />
            }
            <ActionBar lab={lab} />
        </section>
    }
}

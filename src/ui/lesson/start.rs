//! The first-visit start screen: take the short tour, or just explore (remembered, so it
//! shows once). Every lesson is one click further, in the picker.

use yew::prelude::*;

use super::send;
use crate::lab::intent::Intent;
use crate::lab::lesson::LessonIntent;
use crate::ui::context::LabState;

#[function_component(StartScreen)]
pub fn start_screen() -> Html {
    let lab = use_context::<LabState>();
    let measure = lab.as_ref().map(|l| l.dispatch.clone());
    let shown = lab.as_ref().is_some_and(|l| l.lessons.start.is_some());
    use_effect_with(shown, move |shown| {
        if let (true, Some(dispatch)) = (*shown, measure) {
            dispatch.emit(Intent::Lesson(LessonIntent::Measure));
        }
    });
    let Some(lab) = lab else {
        return html! {};
    };
    let Some(start) = &lab.lessons.start else {
        return html! {};
    };
    let minutes = start
        .tour_minutes
        .map_or_else(|| "a short".to_string(), |m| format!("{m}-minute"));
    html! {
        <div class="start-backdrop">
            <section class="start-screen" role="dialog" aria-modal="true" aria-labelledby="start-title" data-testid="start-screen">
                <h2 id="start-title">{ "How does a stream processor move its state?" }</h2>
                <p>
                    { "statelab runs a Flink-style job in your browser: records are routed to key groups, checkpoints ship their state to a store, and a crash restores it. The lessons walk you through it: predict what the engine will do, then watch it happen." }
                </p>
                <div class="start-choices">
                    <button type="button" class="start-choice primary" data-testid="start-tour" autofocus=true
                        onclick={send(&lab, LessonIntent::StartTour)}>
                        <strong>{ format!("Start here: {minutes} tour") }</strong>
                        <span>{ start.tour.join(" → ") }</span>
                    </button>
                    <button type="button" class="start-choice" data-testid="just-explore"
                        onclick={send(&lab, LessonIntent::JustExplore)}>
                        <strong>{ "Just explore" }</strong>
                        <span>{ format!("The lab is yours; the {} lessons stay under Lessons in the top bar.", start.lessons) }</span>
                    </button>
                </div>
            </section>
        </div>
    }
}

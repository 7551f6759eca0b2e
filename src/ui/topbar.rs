//! The dark bar at the top: the lab's name and what it is about.

use yew::prelude::*;

#[function_component(TopBar)]
pub fn top_bar() -> Html {
    html! {
        <header class="topbar">
            <h1 class="title">{ "statelab" }</h1>
            <p class="subtitle">
                { "How a Flink-style stream processor moves keyed state during checkpoints" }
            </p>
        </header>
    }
}

//! The root component: the page layout and the one piece of state the shell has so far,
//! the large-font switch for projecting the lab in a lecture hall.

use yew::prelude::*;

use super::controls::Controls;
use super::metrics::Metrics;
use super::pipeline::Pipeline;
use super::topbar::TopBar;

#[function_component(App)]
pub fn app() -> Html {
    let large_font = use_state(|| false);
    let toggle_large_font = {
        let large_font = large_font.clone();
        Callback::from(move |_: MouseEvent| large_font.set(!*large_font))
    };

    html! {
        <div class={classes!("app", large_font.then_some("large-font"))}>
            <TopBar />
            <main class="layout">
                <Controls large_font={*large_font} on_toggle_large_font={toggle_large_font} />
                <Pipeline />
                <Metrics />
            </main>
        </div>
    }
}

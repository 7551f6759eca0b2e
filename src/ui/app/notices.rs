//! The messages under the top bar: what the lab has to say (a refused value, a restart,
//! a copied link), and the link to copy by hand when the browser refused the clipboard.

use yew::prelude::*;

use crate::lab::session::NOTICE_SEPARATOR;

/// The id of the shown link's input, which `clipboard::select_shown_link` selects.
pub const SHARE_LINK_ID: &str = "share-link";

#[derive(Properties, PartialEq)]
pub struct NoticeProps {
    pub text: AttrValue,
    pub on_dismiss: Callback<MouseEvent>,
}

/// The lab's message; several at once (the URL's refusals) read better as a list.
#[function_component(Notice)]
pub fn notice(props: &NoticeProps) -> Html {
    let parts: Vec<&str> = props.text.split(NOTICE_SEPARATOR).collect();
    let body = if parts.len() > 1 {
        html! {
            <ul class="notice-text notice-list">
                { for parts.iter().map(|p| html! { <li>{ with_code(p) }</li> }) }
            </ul>
        }
    } else {
        html! { <p class="notice-text">{ with_code(&props.text) }</p> }
    };
    html! {
        <div class="notice" role="status" id="notice">
            { body }
            <button type="button" class="notice-close" aria-label="Dismiss message"
                onclick={props.on_dismiss.clone()}>{ "×" }</button>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct ShareLinkProps {
    pub href: AttrValue,
    pub on_dismiss: Callback<MouseEvent>,
}

/// The link the browser would not copy, selected by the root after rendering.
#[function_component(ShareLink)]
pub fn share_link(props: &ShareLinkProps) -> Html {
    html! {
        <div class="notice share" role="status">
            <label class="share-label" for={SHARE_LINK_ID}>
                { "The browser did not allow copying; the link is selected, copy it with Ctrl+C (⌘C):" }
            </label>
            <input id={SHARE_LINK_ID} class="share-input" type="text" readonly=true
                value={props.href.clone()} />
            <button type="button" class="notice-close" aria-label="Close the link"
                onclick={props.on_dismiss.clone()}>{ "×" }</button>
        </div>
    }
}

/// Text with `backticked` parts set as code (setting names and values in messages).
fn with_code(text: &str) -> Html {
    html! {
        { for text.split('`').enumerate().map(|(i, part)| if i % 2 == 1 {
            html! { <code>{ part.to_string() }</code> }
        } else {
            html! { { part.to_string() } }
        }) }
    }
}

//! The bar above the sequence diagram while a request or a connection of the page load is
//! followed: which one, its URL, and the way back to the typed URL's journey. The text is the
//! view-model's ([`crate::timeline::app::followed`]).

use super::state::{AppAction, Focus};
use crate::timeline::page::LoadRef;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FollowingProps {
    pub focus: Focus,
    /// The page's load and its name (not the page's state, whose time changes every frame of
    /// playback: the bar is drawn again only when what it says changes).
    pub load: LoadRef,
    pub of: AttrValue,
    /// In an embedded frame there is no page load to go back to.
    pub embedded: bool,
}

#[component]
pub fn Following(p: &FollowingProps) -> Html {
    let dispatch = super::use_dispatch();
    let Focus::Page(sub) = p.focus else {
        return html! {};
    };
    let Some(f) = crate::timeline::app::followed(&p.load.0, &p.of, sub) else {
        return html! {};
    };
    let back = dispatch.reform(|_| AppAction::Follow(Focus::Journey));
    html! {
        <div class="following" id="following">
            <strong>{ f.title }</strong>
            <code class="following-url">{ f.url }</code>
            <span class="following-detail">{ f.detail }</span>
            if !p.embedded {
                <button id="follow-journey" type="button" onclick={back}>{ "Back to the typed URL's journey" }</button>
            }
        </div>
    }
}

//! The app's state: what is typed, its live parse, and the URL the journey runs on.

use crate::model::url::{self, Parsed, UrlError};
use crate::model::DEFAULT_URL;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub struct UrlState {
    /// The text in the address bar.
    pub input: String,
    /// Its parse, updated on every keystroke.
    pub live: Result<Parsed, UrlError>,
    /// The last valid URL that was submitted: what the rest of the page shows. An invalid
    /// submission leaves it as it was. `None` only until a first valid URL is submitted.
    pub current: Option<Parsed>,
}

pub enum UrlAction {
    Edit(String),
    Go,
}

impl Default for UrlState {
    fn default() -> Self {
        let live = url::parse(DEFAULT_URL, None);
        UrlState {
            input: DEFAULT_URL.to_string(),
            current: live.as_ref().ok().cloned(),
            live,
        }
    }
}

impl Reducible for UrlState {
    type Action = UrlAction;

    fn reduce(self: Rc<Self>, action: UrlAction) -> Rc<Self> {
        match action {
            UrlAction::Edit(text) => {
                let live = url::parse(&text, None);
                Rc::new(UrlState {
                    input: text,
                    live,
                    current: self.current.clone(),
                })
            }
            UrlAction::Go => match &self.live {
                Ok(p) if self.current.as_ref() != Some(p) => Rc::new(UrlState {
                    current: Some(p.clone()),
                    ..(*self).clone()
                }),
                _ => self,
            },
        }
    }
}

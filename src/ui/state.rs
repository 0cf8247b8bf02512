//! The app's state as Yew's `Reducible`: the reducer itself is the pure view-model's
//! ([`crate::timeline::app`], tested natively).

pub use crate::timeline::app::{AppAction, AppState, Focus, JourneyRef, Knob, PageRef, Shared};
use std::rc::Rc;
use yew::prelude::*;

impl Reducible for AppState {
    type Action = AppAction;

    fn reduce(self: Rc<Self>, action: AppAction) -> Rc<Self> {
        super::test_panic_in_handler();
        Rc::new(Rc::unwrap_or_clone(self).apply(action))
    }
}

//! A shared link's query string: decoded, opened as the app opens it (the journey, the page
//! and what the diagram follows, with the app's reducer) and written back; its embedding
//! options read and written back; its text as an embedding page's message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirewalk::embed::{Command, Embed};
use wirewalk::link;
use wirewalk::model::load;
use wirewalk::timeline::app::{AppAction, AppState};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let d = link::decode(&text);
    // Writing the state and reading it back gives the same state, with nothing to note.
    let again = link::decode(&link::encode(&d.state));
    assert!(again.notes.is_empty(), "{:?}", again.notes);
    assert_eq!(again.state, d.state);
    let mut notes = vec![];
    let e = Embed::from_extra(&d.state.extra, &mut notes);
    if d.state.scenario.url.len() < 4096 {
        // The app's own path: its state from the link, then what the link's view writes back.
        let s = AppState::from_link(&d.state, &e, false, &mut notes);
        let s = s.apply(AppAction::Step(1)).apply(AppAction::Tick(16.0));
        assert!(s.len() == 0 || s.cursor < s.len());
    } else {
        let _ = load::run(&link::page_scenario(&d.state.page, &mut notes));
    }
    assert_eq!(Embed::from_extra(&e.to_extra(), &mut vec![]), e);
    // The same text as each field of a message.
    for kind in [
        "wirewalk:goto",
        "wirewalk:setUrl",
        "wirewalk:setScenario",
        &*text,
    ] {
        let _ = Command::parse(Some(kind), Some(&text), Some(&text), Some(&text));
    }
});

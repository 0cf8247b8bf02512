//! Keeps the page's query string in step with the view ([`crate::link`] says what is in it), and
//! brings the app back after a panic.
//!
//! Both views write their part of the link here; the address is replaced (no new history entry)
//! once the view has been still for [`QUIET_MS`], so stepping or playing does not flood the
//! browser's history API. A panic shows its message, and the page reloads at the last link
//! written, which is the last view that rendered; a panic before the first render reloads at
//! the default view instead. The message is shown again after the reload.

use crate::link::{self, Decoded, LinkState};
use std::cell::{Cell, RefCell};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// How long the view must be still before the address is rewritten.
const QUIET_MS: i32 = 300;
/// A link longer than this leaves out the page editor's text, so that the address stays well
/// inside Chromium's 2 MiB URL limit (a URL parameter alone may be up to that).
const MAX_LINK_BYTES: usize = 1 << 20;
const CRASH_KEY: &str = "wirewalk-crash";

thread_local! {
    static INITIAL: RefCell<Option<(LinkState, Vec<String>)>> = const { RefCell::new(None) };
    static CURRENT: RefCell<LinkState> = RefCell::new(LinkState::default());
    static TIMER: Cell<Option<i32>> = const { Cell::new(None) };
    static WRITER: RefCell<Option<Closure<dyn FnMut()>>> = const { RefCell::new(None) };
    /// This load follows a panic's reload and no view has been written since: a second panic
    /// now would come from the restored view itself.
    static RECOVERED: Cell<bool> = const { Cell::new(false) };
}

/// The link the page was opened with (its query, `search`), decoded once; with the notes about
/// what was left out.
pub fn initial(search: &str) -> (LinkState, Vec<String>) {
    INITIAL.with(|i| {
        i.borrow_mut()
            .get_or_insert_with(|| {
                let Decoded { state, notes } = link::decode(search);
                CURRENT.with(|c| *c.borrow_mut() = state.clone());
                (state, notes)
            })
            .clone()
    })
}

/// Changes the current link; `f` says whether it changed anything. The address follows once
/// the view is still.
pub fn update(f: impl FnOnce(&mut LinkState) -> bool) {
    if CURRENT.with(|c| f(&mut c.borrow_mut())) {
        schedule();
    }
}

/// Sets `*slot` to `value`; whether it changed.
pub fn set<T: PartialEq>(slot: &mut T, value: T) -> bool {
    if *slot == value {
        false
    } else {
        *slot = value;
        true
    }
}

fn schedule() {
    let Some(w) = web_sys::window() else {
        return;
    };
    if let Some(t) = TIMER.with(|t| t.take()) {
        w.clear_timeout_with_handle(t);
    }
    WRITER.with(|slot| {
        let mut slot = slot.borrow_mut();
        let cb = slot.get_or_insert_with(|| Closure::new(write_now));
        let id = w
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                cb.as_ref().unchecked_ref(),
                QUIET_MS,
            )
            .ok();
        TIMER.with(|t| t.set(id));
    });
}

/// `state` as a query string, without the editor's text if it would make the link too long.
fn query_of(mut state: LinkState) -> String {
    let query = link::encode(&state);
    if query.len() <= MAX_LINK_BYTES {
        return query;
    }
    state.page.html = None;
    state.page.headers = None;
    link::encode(&state)
}

fn with_query(base: String, query: &str) -> String {
    if query.is_empty() {
        base
    } else {
        format!("{base}?{query}")
    }
}

/// The page's address without its query: origin and path.
fn base() -> String {
    web_sys::window()
        .map(|w| {
            let l = w.location();
            format!(
                "{}{}",
                l.origin().unwrap_or_default(),
                l.pathname().unwrap_or_default()
            )
        })
        .unwrap_or_default()
}

/// The full address of the view now, and the same view as an embedded frame (`embed=1`, the
/// other embedding options kept).
pub fn share_links() -> (String, String) {
    let base = base();
    let state = CURRENT.with(|c| c.borrow().clone());
    let page = with_query(base.clone(), &query_of(state.clone()));
    let mut notes = vec![];
    let mut embed = crate::embed::Embed::from_extra(&state.extra, &mut notes);
    embed.on = true;
    let mut framed = state;
    framed.extra = embed.to_extra();
    (page, with_query(base, &query_of(framed)))
}

/// The full app at the view now: the link without the embedding options.
pub fn app_link() -> String {
    let mut state = CURRENT.with(|c| c.borrow().clone());
    state.extra.clear();
    with_query(base(), &query_of(state))
}

fn write_now() {
    TIMER.with(|t| t.set(None));
    // A view rendered after the restart and was written: later panics are its own.
    RECOVERED.with(|r| r.set(false));
    let Some(w) = web_sys::window() else {
        return;
    };
    // (A panic can stop the module while the link is borrowed: then the last address stays.)
    let Some(state) = CURRENT.with(|c| c.try_borrow().ok().map(|s| s.clone())) else {
        return;
    };
    let query = query_of(state);
    let path = w.location().pathname().unwrap_or_default();
    let url = with_query(path, &query);
    if let Ok(h) = w.history() {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// The message of a panic before the last reload, once.
pub fn take_crash_message() -> Option<String> {
    let storage = web_sys::window()?.session_storage().ok()??;
    let msg = storage.get_item(CRASH_KEY).ok()??;
    let _ = storage.remove_item(CRASH_KEY);
    RECOVERED.with(|r| r.set(true));
    Some(msg)
}

/// Shows a panic's message on the page (as text), keeps it for after the reload, and reloads:
/// at the last link written, or at the default view when the app never rendered or the view
/// it was restored to panicked again. A default view that panics right after a restart is not
/// reloaded again: the message stays.
pub fn on_panic(message: &str) {
    web_sys::console::error_1(&format!("wirewalk panicked: {message}").into());
    let Some(w) = web_sys::window() else {
        return;
    };
    let doc = w.document();
    let ready = doc
        .as_ref()
        .and_then(|d| d.document_element())
        .and_then(|e| e.get_attribute("data-ready"))
        .is_some();
    let recovered = RECOVERED.with(|r| r.get());
    // The last view that rendered may not be in the address yet.
    if TIMER.with(|t| t.get()).is_some() {
        write_now();
    }
    if let Some(d) = &doc {
        let el = d
            .get_element_by_id("crash")
            .or_else(|| d.create_element("div").ok());
        if let (Some(el), Some(body)) = (el, d.body()) {
            el.set_id("crash");
            let _ = el.set_attribute("role", "alert");
            el.set_text_content(Some(&format!(
                "wirewalk hit an internal error and is restarting at the last good view. {message}"
            )));
            let _ = body.append_child(&el);
        }
    }
    if let Ok(Some(s)) = w.session_storage() {
        let what = if ready && !recovered {
            "the last good view was restored"
        } else {
            "the link could not be opened, so the default view is shown"
        };
        let _ = s.set_item(CRASH_KEY, &format!("{what}. The error: {message}"));
    }
    let location = w.location();
    let search = location.search().unwrap_or_default();
    if ready && !recovered {
        let _ = location.reload();
    } else if !search.is_empty() {
        let path = location.pathname().unwrap_or_default();
        let _ = location.replace(&path);
    }
}

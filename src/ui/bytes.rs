//! The inspector's bytes: what the current step put on the wire, as a hex view beside its
//! fields. Hovering or focusing a field highlights its bytes; hovering a byte highlights its
//! field; "Copy hex" copies the bytes. The bytes are the capture's (`model::capture::inspect`:
//! the DNS message, the IPv4 packet, the TLS records with their real ciphertext and, once the
//! keys exist, the plaintext inside, the HTTP text), so this view and the cryptography behind
//! it arrive in the `bytes` module the first time the learner opens it (src/ui/lazy.rs).

use super::state::JourneyRef;
use crate::model::capture::{self, Bytes};
use yew::prelude::*;

/// The most bytes one view draws (a response body can be megabytes): the rest is counted.
const MAX_ROWS: usize = 64;
const ROW: usize = 16;

#[derive(Properties, PartialEq, Clone)]
pub struct BytesViewProps {
    pub journey: JourneyRef,
    pub cursor: usize,
}

#[component]
pub fn BytesView(p: &BytesViewProps) -> Html {
    let inspected = use_memo(p.journey.clone(), |j| {
        capture::inspect(&j.0.trace, j.0.unix_time).map_err(|e| e.to_string())
    });
    let chosen = use_state(|| 0usize);
    let hovered = use_state(|| None::<usize>);
    {
        let (chosen, hovered) = (chosen.clone(), hovered.clone());
        use_effect_with(p.cursor, move |_| {
            chosen.set(0);
            hovered.set(None);
        });
    }
    // A field lit from the list may sit below the drawn rows' scroll: bring its first byte into
    // the hex box's view (a byte lit from the hex is already in view).
    use_effect_with(*hovered, |_| reveal_lit());
    let views = match &*inspected {
        Err(why) => {
            return html! { <p class="bytes-note" id="bytes-none">{ format!("No bytes for this run: {why}.") }</p> }
        }
        Ok(map) => {
            let seq = p.journey.0.trace.events.get(p.cursor).map(|e| e.seq);
            seq.and_then(|s| map.get(&s)).cloned().unwrap_or_default()
        }
    };
    if views.is_empty() {
        return html! { <p class="bytes-note" id="bytes-none">{ "This step puts no bytes on the wire." }</p> };
    }
    let at = (*chosen).min(views.len() - 1);
    let view = &views[at];
    html! {
        <div class="bytes" id="bytes">
            <div class="bytes-tabs" role="tablist" aria-label="What this step sent">
                { for views.iter().enumerate().map(|(i, b)| {
                    let chosen = chosen.clone();
                    let onclick = Callback::from(move |_| chosen.set(i));
                    html! {
                        <button type="button" role="tab" aria-selected={(i == at).to_string()} class="bytes-tab" {onclick}>
                            { format!("{} · {} bytes", b.title, b.wire.bytes.len()) }
                        </button>
                    }
                }) }
            </div>
            { hex(view, *hovered, &hovered) }
            { fields(view, *hovered, &hovered) }
            { copy_button(view) }
        </div>
    }
}

/// Scrolls the hex box, not the page, so that its first lit byte is in view.
fn reveal_lit() {
    use wasm_bindgen::JsCast;
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let find = |css: &str| {
        doc.query_selector(css)
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    };
    let (Some(hex), Some(byte)) = (find("#bytes .hex"), find("#bytes .hex-b.lit")) else {
        return;
    };
    let (top, bottom) = (hex.scroll_top(), hex.scroll_top() + hex.client_height());
    // The box is positioned (style.css): the byte's offset is within its content.
    let at = byte.offset_top();
    if at < top || at + byte.offset_height() > bottom {
        hex.set_scroll_top((at - hex.client_height() / 3).max(0));
    }
}

/// The field that covers byte `i`, the innermost (the shortest) when several do.
fn field_at(b: &Bytes, i: usize) -> Option<usize> {
    b.wire
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.start <= i && i < f.end)
        .min_by_key(|(_, f)| f.end - f.start)
        .map(|(k, _)| k)
}

fn hex(b: &Bytes, hovered: Option<usize>, set: &UseStateHandle<Option<usize>>) -> Html {
    let bytes = &b.wire.bytes;
    let lit = hovered
        .and_then(|k| b.wire.fields.get(k))
        .map(|f| f.start..f.end);
    let rows = bytes.len().div_ceil(ROW).min(MAX_ROWS);
    let more = bytes.len().saturating_sub(rows * ROW);
    html! {
        <div class="hex" aria-label="The bytes in hexadecimal">
            { for (0..rows).map(|r| {
                let line = &bytes[r * ROW..bytes.len().min((r + 1) * ROW)];
                html! {
                    <div class="hex-row">
                        <span class="hex-off">{ format!("{:04x}", r * ROW) }</span>
                        { for line.iter().enumerate().map(|(k, byte)| {
                            let i = r * ROW + k;
                            let on = lit.as_ref().is_some_and(|l| l.contains(&i));
                            let field = field_at(b, i);
                            let set = set.clone();
                            let onmouseover = Callback::from(move |_| set.set(field));
                            html! { <span class={classes!("hex-b", on.then_some("lit"))} {onmouseover}>{ format!("{byte:02x}") }</span> }
                        }) }
                        <span class="hex-ascii">{ line.iter().map(|c| if c.is_ascii_graphic() || *c == b' ' { *c as char } else { '.' }).collect::<String>() }</span>
                    </div>
                }
            }) }
            if more > 0 {
                <p class="bytes-note">{ format!("… and {more} more bytes (the capture has them all)") }</p>
            }
        </div>
    }
}

fn fields(b: &Bytes, hovered: Option<usize>, set: &UseStateHandle<Option<usize>>) -> Html {
    html! {
        <ul class="bytes-fields" aria-label="The fields, each with its bytes' place">
            { for b.wire.fields.iter().enumerate().map(|(k, f)| {
                let (enter, focus, leave) = (set.clone(), set.clone(), set.clone());
                html! {
                    <li tabindex="0" class={classes!((hovered == Some(k)).then_some("lit"))}
                        onmouseover={Callback::from(move |_| enter.set(Some(k)))}
                        onfocusin={Callback::from(move |_| focus.set(Some(k)))}
                        onmouseleave={Callback::from(move |_| leave.set(None))}>
                        <code>{ f.name.clone() }</code>
                        <span class="bytes-range">{ format!("{}–{} ({})", f.start, f.end, count(f.end - f.start)) }</span>
                    </li>
                }
            }) }
        </ul>
    }
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 byte".into()
    } else {
        format!("{n} bytes")
    }
}

fn copy_button(b: &Bytes) -> Html {
    let text: String = b.wire.bytes.iter().map(|x| format!("{x:02x}")).collect();
    let onclick = Callback::from(move |_| {
        if let Some(clip) = web_sys::window().map(|w| w.navigator().clipboard()) {
            let _ = clip.write_text(&text);
        }
    });
    html! { <button type="button" class="save-svg" id="bytes-copy" {onclick}>{ "Copy hex" }</button> }
}

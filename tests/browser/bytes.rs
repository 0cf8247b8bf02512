//! The inspector's bytes (src/ui/bytes.rs): opened on a step, the `bytes` module arrives then
//! (not before), and shows what the model's capture says that step sent — the views' titles
//! and sizes and the hex are the native `capture::inspect`'s — with a field's bytes
//! highlighted when the field is focused.

use crate::open_at;
use wirewalk::model::{capture, journey, scenario::Scenario};

fn fetched_bytes_module(s: &crate::Session) -> bool {
    s.js("return performance.getEntriesByType('resource').some((e) => e.name.includes('split_bytes-'));")
        == true
}

/// Goes to `step` in the same browser and opens its bytes, until `shown` is on the page.
fn open_bytes(s: &crate::Session, step: &str, shown: &str) {
    s.goto(&format!("{}?step={step}", crate::webdriver::serve_dist()));
    s.wait_for(
        "the app",
        "document.documentElement.dataset.ready === 'true'",
    );
    s.click(&s.find("#insp-bytes-toggle"));
    s.wait_for(shown, &format!("document.querySelector('{shown}')"));
}

/// The texts of the elements `css` finds in the bytes view.
fn texts(s: &crate::Session, css: &str) -> Vec<String> {
    s.js(&format!(
        "return [...document.querySelectorAll('{css}')].map((t) => t.textContent);"
    ))
    .as_array()
    .expect("a list")
    .iter()
    .map(|t| t.as_str().unwrap_or_default().to_string())
    .collect()
}

/// The bytes view's tabs, and the names of the fields of the view shown.
fn tabs(s: &crate::Session) -> Vec<String> {
    texts(s, "#bytes .bytes-tab")
}

fn field_names(s: &crate::Session) -> Vec<String> {
    texts(s, "#bytes .bytes-fields code")
}

#[test]
fn a_steps_bytes_are_the_captures_with_fields_that_light_their_bytes() {
    let driver = crate::Driver::start();
    let s = open_at(&driver, 1440, 900, "?step=tls.client_hello");
    assert!(
        !fetched_bytes_module(&s),
        "the bytes module waits to be asked for"
    );
    s.click(&s.find("#insp-bytes-toggle"));
    s.wait_for("the bytes", "document.querySelector('#bytes .hex-row')");
    assert!(fetched_bytes_module(&s));

    let j = journey::run(&Scenario::default());
    let e = j
        .trace
        .events
        .iter()
        .find(|e| e.step.as_str() == "tls.client_hello")
        .expect("a ClientHello");
    let views = capture::inspect(&j.trace, j.unix_time).expect("bytes");
    let native = &views[&e.seq];
    let tabs = tabs(&s);
    let want: Vec<String> = native
        .iter()
        .map(|b| format!("{} · {} bytes", b.title, b.wire.bytes.len()))
        .collect();
    assert_eq!(tabs, want);
    // The first view's first row is its first sixteen bytes.
    let row: String = s
        .js("return [...document.querySelectorAll('#bytes .hex-row:first-child .hex-b')].map((b) => b.textContent).join('');")
        .as_str()
        .unwrap_or_default()
        .to_string();
    let first: String = native[0].wire.bytes[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(row, first);

    // Focusing a field lights exactly its bytes (those drawn).
    let k = native[0]
        .wire
        .fields
        .iter()
        .position(|f| f.name.ends_with("ClientHello.random"))
        .expect("the random's field");
    // The pointer out of the way (over the hex it would light its own field), then the
    // field focused from the keyboard's side.
    s.cdp(
        "Input.dispatchMouseEvent",
        serde_json::json!({"type": "mouseMoved", "x": 0, "y": 0}),
    );
    s.js(&format!(
        "document.querySelectorAll('#bytes .bytes-fields li')[{k}].focus();"
    ));
    s.wait_for(
        "the random's 32 bytes lit",
        "document.querySelectorAll('#bytes .hex-b.lit').length === 32",
    );
    let field =
        s.js("return document.querySelector('#bytes .bytes-fields li.lit code').textContent;");
    assert_eq!(field, native[0].wire.fields[k].name.as_str());
    s.screenshot("bytes-client-hello-1440x900");

    // A field further down lights bytes the hex box scrolls to: the second certificate, past
    // the first (a kilobyte) in the server's decrypted flight.
    open_bytes(&s, "tls.server_finished", "#bytes .hex-row");
    let target = "certificate_list[1].cert_data.length";
    s.js("[...document.querySelectorAll('#bytes .bytes-tab')].find((t) => t.textContent.startsWith('decrypted: handshake')).click();");
    s.wait_for(
        "the flight's fields",
        &format!("[...document.querySelectorAll('#bytes .bytes-fields code')].some((c) => c.textContent.endsWith('{target}'))"),
    );
    s.cdp(
        "Input.dispatchMouseEvent",
        serde_json::json!({"type": "mouseMoved", "x": 0, "y": 0}),
    );
    s.js(&format!("[...document.querySelectorAll('#bytes .bytes-fields li')].find((l) => l.querySelector('code').textContent.endsWith('{target}')).focus();"));
    s.wait_for(
        "the field's first byte in the hex box's view",
        "(() => { const h = document.querySelector('#bytes .hex');
                  const b = document.querySelector('#bytes .hex-b.lit');
                  return b && h.scrollTop > 0 && b.offsetTop >= h.scrollTop
                      && b.offsetTop < h.scrollTop + h.clientHeight; })()",
    );

    // Another step, another set of bytes; a step that sends nothing says so.
    open_bytes(&s, "url.parse", "#bytes-none");
    assert!(s.text("#bytes-none").contains("no bytes on the wire"));
    s.assert_no_errors();
}

#[test]
fn the_bytes_fit_a_phone() {
    let driver = crate::Driver::start();
    let s = open_at(&driver, 390, 844, "?step=tcp.syn");
    s.click(&s.find("#insp-bytes-toggle"));
    s.wait_for("the bytes", "document.querySelector('#bytes .hex-row')");
    s.js("document.querySelector('#bytes').scrollIntoView({block: 'start'});");
    let overflow = s.js("return document.documentElement.scrollWidth > window.innerWidth;");
    assert_eq!(overflow, false, "the page does not scroll sideways");
    s.screenshot("bytes-syn-390x844");
    s.assert_no_errors();
}

/// A TLS 1.2 journey's steps have their bytes too: the ServerKeyExchange's signed x25519 key,
/// field by field as the native capture names them, and the browser's Finished as its record
/// (explicit nonce, ciphertext, tag) beside the plaintext it decrypts to.
#[test]
fn a_tls12_steps_bytes_are_its_records() {
    let driver = crate::Driver::start();
    let s = open_at(
        &driver,
        1440,
        900,
        "?preset=tls12-ecdhe&step=tls.server_key_exchange",
    );
    s.click(&s.find("#insp-bytes-toggle"));
    s.wait_for("the bytes", "document.querySelector('#bytes .hex-row')");
    let sc = wirewalk::model::scenario::preset("tls12-ecdhe").expect("the preset");
    let j = journey::run(&sc);
    let views = capture::inspect(&j.trace, j.unix_time).expect("bytes");
    let at = |step: &str| {
        let e = j
            .trace
            .events
            .iter()
            .find(|e| e.step.as_str() == step)
            .expect("the step");
        &views[&e.seq]
    };
    let want = |step: &str| -> Vec<String> {
        at(step)
            .iter()
            .map(|b| format!("{} · {} bytes", b.title, b.wire.bytes.len()))
            .collect()
    };
    assert_eq!(tabs(&s), want("tls.server_key_exchange"));
    let names = field_names(&s);
    for f in [
        "ServerKeyExchange.params.public",
        "ServerKeyExchange.signed_params.signature",
    ] {
        assert!(names.iter().any(|n| n.ends_with(f)), "{f} in {names:?}");
    }
    s.screenshot("bytes-tls12-server-key-exchange-1440x900");

    s.goto(&format!(
        "{}?preset=tls12-ecdhe&step=tls.finished",
        crate::webdriver::serve_dist()
    ));
    s.wait_for(
        "the app",
        "document.documentElement.dataset.ready === 'true'",
    );
    s.click(&s.find("#insp-bytes-toggle"));
    s.wait_for("the bytes", "document.querySelector('#bytes .hex-row')");
    let t = tabs(&s);
    assert_eq!(t, want("tls.finished"));
    assert!(
        t.iter().any(|t| t == "decrypted: handshake · 16 bytes"),
        "{t:?}"
    );
    s.assert_no_errors();
}

/// Over HTTP/3 a step's bytes are its UDP datagrams and, decrypted, its QUIC packets' frames:
/// the server's HANDSHAKE_DONE datagram carries, in a 1-RTT packet, an ACK, the ticket in a
/// CRYPTO frame and HANDSHAKE_DONE — the views the native capture makes, frame by frame.
#[test]
fn a_quic_steps_bytes_are_its_datagram_and_its_packets_decrypted() {
    let driver = crate::Driver::start();
    let s = open_at(&driver, 1440, 900, "?preset=http3&step=quic.handshake_done");
    s.click(&s.find("#insp-bytes-toggle"));
    s.wait_for("the bytes", "document.querySelector('#bytes .hex-row')");
    let sc = wirewalk::model::scenario::preset("http3").expect("the preset");
    let j = journey::run(&sc);
    let views = capture::inspect(&j.trace, j.unix_time).expect("bytes");
    let e = (j.trace.events.iter())
        .find(|e| e.step.as_str() == "quic.handshake_done")
        .expect("the step");
    let want: Vec<String> = views[&e.seq]
        .iter()
        .map(|b| format!("{} · {} bytes", b.title, b.wire.bytes.len()))
        .collect();
    let tabs = tabs(&s);
    assert_eq!(tabs, want);
    assert!(
        tabs.iter()
            .any(|t| t.starts_with("QUIC 1-RTT packet 5, decrypted")),
        "{tabs:?}"
    );
    s.js("[...document.querySelectorAll('#bytes .bytes-tab')].find((t) => t.textContent.startsWith('QUIC 1-RTT packet 5')).click();");
    s.wait_for(
        "the packet's frames",
        "[...document.querySelectorAll('#bytes .bytes-fields code')].some((c) => c.textContent.endsWith('crypto_data'))",
    );
    let names = field_names(&s);
    for f in [
        "frame[0].largest_acknowledged",
        "frame[1].crypto_data",
        "frame[2].type",
    ] {
        assert!(names.iter().any(|n| n.ends_with(f)), "{f} in {names:?}");
    }
    s.screenshot("bytes-quic-handshake-done-1440x900");
    s.assert_no_errors();
}

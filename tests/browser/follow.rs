//! One app: a request or a connection of the page load, followed in the sequence diagram, the
//! inspector and the track; its link and the embedding API reopen the same moment. Expected
//! values come from running the same model natively.

use crate::webdriver::{serve_dist, Driver, Session};
use crate::{open_at, share_link};
use wirewalk::model::load::{self, PageLoad};
use wirewalk::model::pages;

fn native(name: &str) -> PageLoad {
    load::run(&pages::preset(name).unwrap()).unwrap()
}

/// The diagram's current row: its step and its request.
fn current(s: &Session) -> (String, String) {
    let v = s.js(
        "const r = document.querySelector('.row[aria-current]'); return r ? [r.dataset.step, r.dataset.request] : ['', ''];",
    );
    (
        v[0].as_str().unwrap_or_default().to_string(),
        v[1].as_str().unwrap_or_default().to_string(),
    )
}

/// The first image of `many-images` that opened a connection of its own (request 4,
/// `photos/03.jpg`, on connection 3: request 3 takes the idle second connection the browser
/// opened as the navigation started, whose handshake is no request's).
fn image_with_its_own_connection(l: &PageLoad) -> &load::Request {
    l.requests
        .iter()
        .find(|r| {
            r.id != 1
                && l.connections
                    .iter()
                    .any(|c| Some(c.id) == r.connection && c.started_for == Some(r.id))
        })
        .expect("an image on a new connection")
}

/// The done-when of the one-app issue: pick an image that opened its own connection in the
/// waterfall, step through its TLS handshake in the diagram, copy the link, reopen it.
#[test]
fn a_request_of_the_page_steps_through_its_handshake_and_its_link_reopens_it() {
    let l = native("many-images");
    let r = image_with_its_own_connection(&l);
    let (id, url) = (r.id.to_string(), r.url.clone());
    let hello = l
        .trace
        .events
        .iter()
        .find(|e| e.request == r.id && e.step.as_str() == "tls.server_hello")
        .expect("its ServerHello");
    let hello_ms = format!("{:.1}", hello.at.as_ms());
    let driver = Driver::start();
    let s = open_at(&driver, 1440, 900, "");
    s.js("document.querySelector('#pl-waterfall').scrollIntoView({block: 'center'});");
    s.click(&s.find(&format!("#pl-waterfall .wf-row[data-id='{id}']")));
    s.wait_for(
        "the request followed",
        &format!("(document.querySelector('#following') || {{}}).textContent?.startsWith('Request #{id} ')"),
    );
    assert!(
        s.text("#following").contains(&url),
        "{}",
        s.text("#following")
    );
    // Every row of the diagram is that request's.
    let requests = s.js(
        "return [...new Set([...document.querySelectorAll('.row')].map(r => r.dataset.request))];",
    );
    assert_eq!(requests, serde_json::json!([id]));
    // From its first message, step forward to the ServerHello.
    s.click(&s.find("#btn-first"));
    let forward = s.find("#btn-forward");
    let mut seen = vec![];
    for _ in 0..40 {
        let (step, req) = current(&s);
        assert_eq!(req, id);
        if step == "tls.server_hello" {
            break;
        }
        seen.push(step);
        s.click(&forward);
    }
    assert_eq!(
        current(&s).0,
        "tls.server_hello",
        "stepped through {seen:?}"
    );
    assert!(seen.iter().any(|st| st == "tcp.syn"), "{seen:?}");
    // The waterfall's cursor is the message's time; the live region names the message and the
    // request's URL.
    s.wait_for(
        "the waterfall's cursor",
        &format!("document.querySelector('#pl-time').textContent.startsWith('{hello_ms} /')"),
    );
    let said = s.text("#announce");
    assert!(
        said.contains("ServerHello") && said.contains(&url),
        "{said}"
    );
    s.js("window.scrollTo(0, 0);");
    s.screenshot("follow-request-server-hello-1440x900");
    // The link reopens the same moment.
    let link = share_link(&s);
    assert!(
        link.contains(&format!("request={id}")) && link.contains("step=tls.server_hello"),
        "{link}"
    );
    s.assert_no_errors();
    let t = crate::open_link(&driver, 1440, 900, &link);
    assert_eq!(current(&t), ("tls.server_hello".to_string(), id.clone()));
    assert!(t.text("#following").starts_with(&format!("Request #{id} ")));
    assert!(t.text("#pl-time").starts_with(&format!("{hello_ms} /")));
    assert_eq!(
        t.js(
            "return document.querySelector('#pl-waterfall .wf-row[aria-pressed=true]').dataset.id;"
        ),
        serde_json::json!(id)
    );
    // Back to the typed URL's journey.
    t.click(&t.find("#follow-journey"));
    t.wait_for(
        "the journey",
        "document.querySelector('#following') === null && document.querySelector('.row[aria-current]').dataset.request === '0'",
    );
    t.assert_no_errors();
}

/// From the keyboard: ↓ moves to the next request and follows it, and Enter on a row opens
/// its journey; each move is announced with the request's URL.
#[test]
fn enter_on_a_waterfall_row_opens_its_journey() {
    let l = native("many-images");
    let driver = Driver::start();
    let s = open_at(&driver, 1440, 900, "");
    s.js("document.querySelector('#pl-waterfall').scrollIntoView({block: 'center'});");
    s.click(&s.find("#pl-waterfall .wf-row[data-id='3']"));
    s.type_text(&s.find("#pl-waterfall .wf-row[data-id='3']"), "\u{E015}");
    let followed = |n: u32| {
        s.wait_for(
            &format!("request {n} followed"),
            &format!("(document.querySelector('#following') || {{}}).textContent?.startsWith('Request #{n} ')"),
        );
        let url = &l.request(n).expect("the request").url;
        let said = s.text("#announce");
        assert!(
            said.starts_with(&format!("Request #{n} ")) && said.contains(url.as_str()),
            "{said}"
        );
    };
    followed(4);
    assert_eq!(
        s.js("return document.activeElement.dataset.id;"),
        serde_json::json!("4")
    );
    // Enter on another row, reached by Tab or by the screen reader's cursor.
    s.js("document.querySelector('#pl-waterfall .wf-row[data-id=\"6\"]').focus();");
    s.type_text(&s.find("#pl-waterfall .wf-row[data-id='6']"), crate::ENTER);
    followed(6);
    s.assert_no_errors();
}

/// A pool slot follows its connection; the waterfall's scrubber moves the diagram.
#[test]
fn a_pool_slot_follows_its_connection_and_the_waterfall_scrubs_the_diagram() {
    let l = native("many-images");
    let driver = Driver::start();
    let s = open_at(&driver, 1440, 900, "");
    s.js("document.querySelector('#pl-pools').scrollIntoView({block: 'center'});");
    s.click(&s.find("#pl-pools .slot[data-conn='2']"));
    s.wait_for(
        "connection 2 followed",
        "(document.querySelector('#following') || {}).textContent?.startsWith('Connection 2 ')",
    );
    assert_eq!(
        s.js("return document.querySelector('#pl-pools .slot[data-conn=\"2\"]').getAttribute('aria-pressed');"),
        serde_json::json!("true")
    );
    // Connection 2 is the browser's second at the navigation's start: its handshake is no
    // request's (rows of request 0) until the requests it carried.
    let preconnected = l
        .connections
        .iter()
        .any(|c| c.id == 2 && c.preconnect.is_some());
    let carried: Vec<String> = preconnected
        .then(|| "0".to_string())
        .into_iter()
        .chain(
            l.requests
                .iter()
                .filter(|r| r.connection == Some(2))
                .map(|r| r.id.to_string()),
        )
        .collect();
    let shown = s.js(
        "return [...new Set([...document.querySelectorAll('.row')].map(r => r.dataset.request))];",
    );
    assert_eq!(shown, serde_json::json!(carried));
    // Scrub the waterfall to the SYN of connection 2: the diagram's cursor goes there.
    let syn = l
        .trace
        .events
        .iter()
        .find(|e| e.connection == Some(2) && e.step.as_str() == "tcp.syn")
        .expect("connection 2's SYN");
    s.js(&format!(
        "const r = document.querySelector('#pl-scrubber'); r.value = '{}'; r.dispatchEvent(new Event('input', {{bubbles: true}}));",
        syn.at.micros().div_ceil(100)
    ));
    s.wait_for(
        "the diagram at the SYN",
        "document.querySelector('.row[aria-current]').dataset.step === 'tcp.syn'",
    );
    s.assert_no_errors();
}

/// The embedding API names a request; a frame of one request fits 720×480.
#[test]
fn the_embedding_api_goes_to_a_step_of_a_request() {
    let l = native("many-images");
    let r = image_with_its_own_connection(&l);
    let driver = Driver::start();
    let s = crate::parent_of_frame(&driver, "?embed=1&page=many-images");
    crate::post_to_frame(
        &s,
        &format!(
            "{{type: 'wirewalk:goto', step: 'tls.server_hello', request: {}}}",
            r.id
        ),
    );
    s.wait_for(
        "the frame at the image's ServerHello",
        &format!("window.__got.some(m => m.type === 'wirewalk:step' && m.step === 'tls.server_hello' && m.request === {})", r.id),
    );
    let row = s.js("const r = document.getElementById('f').contentDocument.querySelector('.row[aria-current]'); return [r.dataset.step, r.dataset.request];");
    assert_eq!(
        row,
        serde_json::json!(["tls.server_hello", r.id.to_string()])
    );
    // A malformed request is refused with a warning, and a request the page lacks changes
    // nothing: the frame stays.
    crate::post_to_frame(&s, "{type: 'wirewalk:goto', step: 'tcp.syn', request: 'x'}");
    crate::post_to_frame(&s, "{type: 'wirewalk:goto', step: 'tcp.syn', request: 400}");
    s.js("return new Promise(r => setTimeout(r, 200));");
    let row = s.js("return document.getElementById('f').contentDocument.querySelector('.row[aria-current]').dataset.step;");
    assert_eq!(row, serde_json::json!("tls.server_hello"));
    s.assert_no_errors();

    // The same request as a frame of its own, at 720×480: the whole diagram of its lanes
    // fits, with no sideways scroll.
    let f = driver.session(720, 480);
    f.goto(&format!(
        "{}?embed=1&page=many-images&request={}&step=tls.server_hello",
        serve_dist(),
        r.id
    ));
    f.wait_for(
        "the frame",
        "document.documentElement.dataset.ready === 'true'",
    );
    let (step, req) = current(&f);
    assert_eq!((step.as_str(), req), ("tls.server_hello", r.id.to_string()));
    // Once the panel's width is measured (a frame after the embedded layout applies), the
    // diagram fits it: no sideways scroll.
    f.wait_for(
        "the diagram to fit its panel",
        "(() => { const s = document.querySelector('.seq-wrap'); return s.scrollWidth <= s.clientWidth + 1; })()",
    );
    f.screenshot("embed-request-720x480");
    f.assert_no_errors();
}

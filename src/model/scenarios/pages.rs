//! Named page scenarios: each shows one thing about loading a whole page. The CLI
//! (`wirewalk page --preset NAME`), the page-load view and the tests share them.
//!
//! Sizes and think-times are the scenario's assumptions (see [`crate::model::load`] for the defaults);
//! the network is the source documents' transcontinental profile (120 ms round trip).

use crate::model::load::{
    CookieSpec, EventStream, OriginSpec, PageScenario, Protocol, ResponseSpec, Side, StreamEvent,
    WebSocketSpec, WsClose, WsKind, WsMessage,
};

/// The names, in the order the page lists them.
pub const NAMES: [&str; 12] = [
    "single",
    "many-images",
    "multi-origin",
    "http2",
    "preconnect",
    "return-visit",
    "redirects",
    "event-streams",
    "realtime",
    "websocket-h2",
    "stream-errors",
    "xhr",
];

fn response(url: &str, headers: &[&str]) -> ResponseSpec {
    ResponseSpec {
        url: url.into(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        ..ResponseSpec::default()
    }
}

fn gallery(name: &str, about: &str) -> PageScenario {
    let mut html = format!(
        "<!DOCTYPE html>\n<html><head><title>Gallery</title></head>\n<body>\n<h1>{about}</h1>\n"
    );
    for i in 1..=20 {
        html.push_str(&format!(
            "<img src=\"/photos/{i:02}.jpg\" alt=\"photo {i}\">\n"
        ));
    }
    html.push_str("</body></html>\n");
    PageScenario {
        name: name.into(),
        url: "https://img.example/gallery.html".into(),
        html,
        ..PageScenario::default()
    }
}

const SHOP_HEAD: &str = "<!DOCTYPE html>\n<html><head>\n<title>Shop</title>\n";
const SHOP_BODY: &str = r#"<link rel="stylesheet" href="https://static.shop.example/site.css">
<script src="https://static.shop.example/app.js"></script>
<style>
  @font-face { font-family: Brand; src: url("https://fonts.example/brand.woff2") format("woff2"); }
  h1 { font-family: Brand, sans-serif; }
</style>
</head><body>
<h1>Shoes</h1>
<img src="/logo.png" alt="logo">
<img src="https://static.shop.example/hero.jpg" alt="hero">
<img src="https://static.shop.example/shoes.jpg" alt="shoes">
<iframe src="https://pay.partner.example/widget"></iframe>
<script>
  const token = sessionStorage.getItem('cart-token') ?? '';
  fetch('https://pay.partner.example/api/prices');
  fetch('https://pay.partner.example/api/cart', { method: 'PUT', headers: { 'X-Cart-Token': token }, credentials: 'include' });
</script>
</body></html>
"#;

fn shop(name: &str, hints: &str) -> PageScenario {
    PageScenario {
        name: name.into(),
        url: "https://shop.example/".into(),
        html: format!("{SHOP_HEAD}{hints}{SHOP_BODY}"),
        responses: vec![
            response(
                "https://shop.example/",
                &["Content-Type: text/html; charset=utf-8"],
            ),
            response(
                "https://static.shop.example/site.css",
                &["Content-Type: text/css"],
            ),
            response(
                "https://static.shop.example/app.js",
                &["Content-Type: text/javascript"],
            ),
            response(
                "https://fonts.example/brand.woff2",
                &["Content-Type: font/woff2", "Access-Control-Allow-Origin: *"],
            ),
            response(
                "https://pay.partner.example/widget",
                &["Content-Type: text/html", "X-Frame-Options: DENY"],
            ),
            response(
                "https://pay.partner.example/api/prices",
                &["Content-Type: application/json"],
            ),
            ResponseSpec {
                preflight_headers: Some(
                    [
                        "Access-Control-Allow-Origin: https://shop.example",
                        "Access-Control-Allow-Credentials: true",
                        "Access-Control-Allow-Methods: GET, PUT",
                        "Access-Control-Allow-Headers: X-Cart-Token",
                        "Access-Control-Max-Age: 600",
                    ]
                    .map(String::from)
                    .to_vec(),
                ),
                ..response(
                    "https://pay.partner.example/api/cart",
                    &[
                        "Content-Type: application/json",
                        "Access-Control-Allow-Origin: https://shop.example",
                        "Access-Control-Allow-Credentials: true",
                    ],
                )
            },
        ],
        cookies: vec![
            CookieSpec {
                url: "https://shop.example/".into(),
                set_cookie: "session=4f2a9c; Secure; HttpOnly".into(),
            },
            CookieSpec {
                url: "https://pay.partner.example/".into(),
                set_cookie: "wallet=77ab; SameSite=None; Secure".into(),
            },
            CookieSpec {
                url: "https://pay.partner.example/".into(),
                set_cookie: "theme=dark".into(),
            },
        ],
        ..PageScenario::default()
    }
}

/// A return visit ten minutes after the first: what the HTTP cache does with each kind of
/// response. The stylesheet and script are immutable for a year (fresh: no network); the
/// document says `no-cache` and has an ETag (revalidated: 304); the photos were fresh for five
/// minutes and carry Last-Modified (stale: revalidated with If-Modified-Since, 304); the banner
/// gives no lifetime and no validator (fetched again in full); the news feed says `no-store`; and
/// the first photo appears twice, so the second is served by the memory cache.
fn return_visit() -> PageScenario {
    let modified = format!(
        "Last-Modified: {}",
        crate::model::http_date::format(crate::model::scenario::VISIT_UNIX_TIME - 30 * 86_400)
    );
    let mut html = String::from(
        "<!DOCTYPE html>\n<html><head><title>News</title>\n<link rel=\"stylesheet\" href=\"/static/site.css\">\n<script src=\"/static/app.js\" defer></script>\n</head><body>\n<h1>Today</h1>\n",
    );
    let mut responses = vec![
        response(
            "https://news.example/",
            &[
                "Content-Type: text/html; charset=utf-8",
                "Cache-Control: no-cache",
                "ETag: \"home-42\"",
            ],
        ),
        response(
            "https://news.example/static/site.css",
            &["Cache-Control: max-age=31536000, immutable"],
        ),
        response(
            "https://news.example/static/app.js",
            &["Cache-Control: max-age=31536000, immutable"],
        ),
        response(
            "https://news.example/api/latest",
            &["Content-Type: application/json", "Cache-Control: no-store"],
        ),
    ];
    for i in 1..=4 {
        html.push_str(&format!(
            "<img src=\"/photos/{i}.jpg\" alt=\"story {i}\">\n"
        ));
        responses.push(response(
            &format!("https://news.example/photos/{i}.jpg"),
            &["Cache-Control: max-age=300", &modified],
        ));
    }
    // The first story's photo again, as a thumbnail: the memory cache shares the first request.
    html.push_str("<img src=\"/banner.png\" alt=\"banner\">\n<img src=\"/photos/1.jpg\" alt=\"story 1, small\">\n<script>fetch('/api/latest');</script>\n</body></html>\n");
    PageScenario {
        name: "return-visit".into(),
        url: "https://news.example/".into(),
        html,
        responses,
        warm_cache_s: Some(600),
        ..PageScenario::default()
    }
}

/// `http://blog.example/` typed with its scheme: the server moves it to https, then to its
/// `www.` host, each with a 301 (which the cache keeps), and its https answer sends
/// `Strict-Transport-Security`: three hops, the first two answered by redirects.
fn redirects() -> PageScenario {
    let sts = "Strict-Transport-Security: max-age=31536000";
    let moved = |from: &str, to: &str, extra: &[&'static str]| {
        let mut headers = vec![format!("Location: {to}")];
        headers.extend(extra.iter().map(|h| h.to_string()));
        ResponseSpec {
            url: from.into(),
            status: 301,
            headers,
            ..ResponseSpec::default()
        }
    };
    PageScenario {
        name: "redirects".into(),
        url: "http://blog.example/".into(),
        html: "<!DOCTYPE html>\n<html><head><title>Blog</title>\n<link rel=\"stylesheet\" href=\"/style.css\">\n</head><body>\n<h1>Blog</h1>\n<img src=\"/header.jpg\" alt=\"header\">\n</body></html>\n".into(),
        responses: vec![
            moved("http://blog.example/", "https://blog.example/", &[]),
            moved("https://blog.example/", "https://www.blog.example/", &[sts]),
            response(
                "https://www.blog.example/",
                &["Content-Type: text/html; charset=utf-8", sts],
            ),
        ],
        ..PageScenario::default()
    }
}

/// A dashboard whose script opens seven live feeds (`new EventSource`) to its own HTTP/1.1
/// origin and refreshes the portfolio with a `fetch()` every 3.5 s; a chart image follows.
/// The preload scanner requests the image as the document arrives, before the script has run,
/// and the feeds connect once the script has run (a Chromium 156 did both), so the image takes
/// one socket and the sixth feed waits for it. Then six streams hold the group's six sockets:
/// the seventh feed and the first refresh wait in the pool. The server ends feed 1 at 4 s
/// (the seventh feed gets its socket) and feed 2 at 5 s (the refresh gets one). Feed 2
/// reconnects half a second later, as its `retry: 500` asked, and is told to stop with
/// `204 No Content`; feed 1 two seconds after its end, with `Last-Event-ID`, and is sent the
/// prices it missed. It keeps that socket: the second refresh finds all six held and never
/// gets one.
fn event_streams() -> PageScenario {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html><head><title>Markets</title></head>\n<body>\n<h1>Live prices</h1>\n<pre id=holdings></pre>\n<script>\n  const prices = {};\n  const show = (feed, e) => { prices[feed] = JSON.parse(e.data).px; };\n",
    );
    for i in 1..=7 {
        html.push_str(&format!(
            "  new EventSource('/events/{i}').addEventListener('price', e => show({i}, e));\n"
        ));
    }
    html.push_str(
        "  setInterval(() => fetch('/api/portfolio').then(r => r.text()).then(t => { holdings.textContent = t; }), 3500);\n",
    );
    html.push_str("</script>\n<img src=\"/chart.png\" alt=\"chart\">\n</body></html>\n");
    let feed = |i: u32| {
        let mut events: Vec<StreamEvent> = (1..=9)
            .map(|k| StreamEvent {
                at_ms: f64::from(k * 1000 + i * 10),
                text: format!(
                    "id: {k}\nevent: price\ndata: {{\"feed\":{i},\"px\":{}.{:02}}}\n\n",
                    100 + i,
                    (k * 37 + i * 11) % 100
                ),
            })
            .collect();
        match i {
            1 => events[0].text = format!("retry: 2000\n{}", events[0].text),
            2 => events[0].text = format!("retry: 500\n{}", events[0].text),
            _ => {}
        }
        let close_ms = match i {
            1 => vec![4000.0],
            2 => vec![5000.0],
            _ => vec![],
        };
        ResponseSpec {
            url: format!("https://markets.example/events/{i}"),
            headers: vec!["Content-Type: text/event-stream".into()],
            stream: Some(EventStream {
                events,
                close_ms,
                // Feed 2 is over: its reconnection is told to stop.
                stop_status: (i == 2).then_some(204),
                ..EventStream::default()
            }),
            ..ResponseSpec::default()
        }
    };
    PageScenario {
        name: "event-streams".into(),
        url: "https://markets.example/".into(),
        html,
        responses: (1..=7)
            .map(feed)
            .chain([ResponseSpec {
                url: "https://markets.example/api/portfolio".into(),
                headers: vec!["Content-Type: application/json".into()],
                bytes: Some(1200),
                ..ResponseSpec::default()
            }])
            .collect(),
        ..PageScenario::default()
    }
}

/// A price ticker over a WebSocket: the page subscribes, the server pushes a price every
/// second, pings once, and the page closes the socket after nine seconds. The handshake uses
/// RFC 6455 §1.3's sample key, so its `Sec-WebSocket-Accept` is the RFC's
/// `s3pPLMBiTxaQ9kYGzzhZRbK+xOo=`. The socket is not the page's idle connection to the same
/// host: WebSockets have a pool of their own.
fn realtime() -> PageScenario {
    let html = "<!DOCTYPE html>\n<html><head><title>Ticker</title></head>\n<body>\n<h1>ACME <output id=px>…</output></h1>\n<script>\n  const ws = new WebSocket('wss://ticker.example/prices');\n  ws.onopen = () => ws.send('{\"subscribe\":\"ACME\"}');\n  ws.onmessage = e => px.value = JSON.parse(e.data).px;\n</script>\n</body></html>\n";
    let mut messages = vec![WsMessage {
        from: Side::Page,
        text: "{\"subscribe\":\"ACME\"}".into(),
        ..WsMessage::default()
    }];
    messages.extend(TICKS.iter().map(|&(at_ms, px)| WsMessage {
        at_ms,
        text: format!("{{\"px\":{px}}}"),
        ..WsMessage::default()
    }));
    messages.push(WsMessage {
        at_ms: 5500.0,
        kind: WsKind::Ping,
        ..WsMessage::default()
    });
    PageScenario {
        name: "realtime".into(),
        url: "https://ticker.example/".into(),
        html: html.into(),
        responses: vec![ws_server(
            "wss://ticker.example/prices",
            Some(crate::model::websocket::SAMPLE_KEY.into()),
            messages,
            9500.0,
        )],
        ..PageScenario::default()
    }
}

/// The WebSocket server at `url`: its messages, and the page closing the socket with 1000
/// "bye" at `close_ms`; `key` fixes the browser's key.
fn ws_server(
    url: &str,
    key: Option<String>,
    messages: Vec<WsMessage>,
    close_ms: f64,
) -> ResponseSpec {
    ResponseSpec {
        url: url.into(),
        websocket: Some(WebSocketSpec {
            key,
            messages,
            close: Some(WsClose {
                at_ms: close_ms,
                from: Side::Page,
                code: 1000,
                reason: "bye".into(),
            }),
            ..WebSocketSpec::default()
        }),
        ..ResponseSpec::default()
    }
}

/// A chat page on an HTTP/2 origin whose server allows the extended CONNECT
/// (SETTINGS_ENABLE_CONNECT_PROTOCOL = 1, RFC 8441): its WebSocket is one more stream of the
/// connection that brought the page — no DNS, TCP or TLS of its own, no key, a `200` instead
/// of a `101` — and its close ends the stream, not the connection.
fn websocket_h2() -> PageScenario {
    let html = "<!DOCTYPE html>\n<html><head><title>Chat</title>\n<link rel=\"stylesheet\" href=\"/chat.css\">\n</head><body>\n<h1>#general</h1>\n<img src=\"/avatar.png\" alt=\"me\">\n<ul id=chat></ul>\n<script>\n  const ws = new WebSocket('wss://chat.example/live', ['chat.v2', 'chat.v1']);\n  ws.onopen = () => ws.send('{\"join\":\"general\"}');\n  ws.onmessage = e => chat.append(JSON.parse(e.data).text);\n  setTimeout(() => ws.close(1000, 'bye'), 5000 - performance.now());\n</script>\n</body></html>\n";
    let said = |at_ms: f64, who: &str, text: &str| WsMessage {
        at_ms,
        text: format!("{{\"from\":\"{who}\",\"text\":\"{text}\"}}"),
        ..WsMessage::default()
    };
    let messages = vec![
        WsMessage {
            from: Side::Page,
            text: "{\"join\":\"general\"}".into(),
            ..WsMessage::default()
        },
        said(1500.0, "ana", "morning!"),
        said(2600.0, "ben", "the build is green"),
        WsMessage {
            at_ms: 3500.0,
            kind: WsKind::Ping,
            ..WsMessage::default()
        },
        said(4200.0, "ana", "shipping it"),
    ];
    PageScenario {
        name: "websocket-h2".into(),
        url: "https://chat.example/".into(),
        html: html.into(),
        origins: vec![OriginSpec {
            origin: "https://chat.example".into(),
            protocol: Protocol::H2,
            enable_connect_protocol: true,
            ..OriginSpec::default()
        }],
        responses: vec![ResponseSpec {
            // The server speaks the older of the two versions the page offers.
            headers: vec!["Sec-WebSocket-Protocol: chat.v1".into()],
            ..ws_server("wss://chat.example/live", None, messages, 5000.0)
        }],
        ..PageScenario::default()
    }
}

/// A page whose live feeds are misconfigured, each failing as Chromium fails it, with its
/// console line: an `EventSource` answered with an HTML page, a WebSocket answered `200` by a
/// server that does not speak WebSocket, a WebSocket whose server closes it with 1006, a code
/// that must never be sent, and a WebSocket asking for a subprotocol whose server answers
/// without one.
fn stream_errors() -> PageScenario {
    let html = "<!DOCTYPE html>\n<html><head><title>Status</title></head>\n<body>\n<script>\n  new EventSource('/updates');\n  new WebSocket('wss://status.example/legacy');\n  new WebSocket('wss://status.example/alerts');\n  new WebSocket('wss://status.example/metrics', 'metrics.v2');\n</script>\n</body></html>\n";
    PageScenario {
        name: "stream-errors".into(),
        url: "https://status.example/".into(),
        html: html.into(),
        responses: vec![
            response(
                "https://status.example/updates",
                &["Content-Type: text/html"],
            ),
            response("wss://status.example/legacy", &["Content-Type: text/html"]),
            ResponseSpec {
                url: "wss://status.example/alerts".into(),
                websocket: Some(WebSocketSpec {
                    close: Some(WsClose {
                        at_ms: 2000.0,
                        from: Side::Server,
                        code: 1006,
                        reason: String::new(),
                    }),
                    ..WebSocketSpec::default()
                }),
                ..ResponseSpec::default()
            },
            ResponseSpec {
                url: "wss://status.example/metrics".into(),
                websocket: Some(WebSocketSpec::default()),
                ..ResponseSpec::default()
            },
        ],
        ..PageScenario::default()
    }
}

/// A shop page whose head script loads its settings with a synchronous `XMLHttpRequest` — the
/// parser and the main thread stop until it answers, while the preload scanner goes on — then
/// asks the cart API on another origin with an asynchronous one sending credentials and a
/// header of its own, so a preflight goes first.
fn xhr() -> PageScenario {
    let html = "<!DOCTYPE html>\n<html><head><title>Shop</title>\n<script>\n  const settings = new XMLHttpRequest();\n  settings.open('GET', '/settings.json', false);\n  settings.send();\n  const cart = new XMLHttpRequest();\n  cart.open('GET', 'https://api.shop.example/cart');\n  cart.withCredentials = true;\n  cart.setRequestHeader('X-Requested-With', 'XMLHttpRequest');\n  cart.onload = () => document.title = 'Cart ' + cart.status;\n  cart.send();\n</script>\n<link rel=\"stylesheet\" href=\"/site.css\">\n</head><body>\n<h1>Shoes</h1>\n<img src=\"/hero.jpg\" alt=\"hero\">\n</body></html>\n";
    let allow = [
        "Access-Control-Allow-Origin: https://shop.example",
        "Access-Control-Allow-Credentials: true",
    ];
    let mut preflight: Vec<String> = allow.iter().map(|h| h.to_string()).collect();
    preflight.push("Access-Control-Allow-Headers: X-Requested-With".into());
    PageScenario {
        name: "xhr".into(),
        url: "https://shop.example/".into(),
        html: html.into(),
        responses: vec![ResponseSpec {
            url: "https://api.shop.example/cart".into(),
            headers: allow.iter().map(|h| h.to_string()).collect(),
            preflight_headers: Some(preflight),
            ..ResponseSpec::default()
        }],
        cookies: vec![CookieSpec {
            url: "https://api.shop.example/".into(),
            set_cookie: "cart=7; Secure; SameSite=None".into(),
        }],
        ..PageScenario::default()
    }
}

/// The ticker's prices: one a second, as the server learns them (ms after the navigation
/// starts, and the price).
pub const TICKS: [(f64, &str); 9] = [
    (1000.0, "101.25"),
    (2000.0, "101.31"),
    (3000.0, "101.28"),
    (4000.0, "101.40"),
    (5000.0, "101.37"),
    (6000.0, "101.52"),
    (7000.0, "101.49"),
    (8000.0, "101.61"),
    (9000.0, "101.58"),
];

/// The preset called `name`.
pub fn preset(name: &str) -> Option<PageScenario> {
    Some(match name {
        "single" => PageScenario {
            name: "single".into(),
            url: "https://www.example.com/".into(),
            html: "<!DOCTYPE html>\n<html><head><title>Example Domain</title></head>\n<body>\n<h1>Example Domain</h1>\n<p>This page needs nothing else: one request, one connection.</p>\n</body></html>\n".into(),
            ..PageScenario::default()
        },
        "many-images" => gallery("many-images", "Twenty photos over HTTP/1.1"),
        "http2" => PageScenario {
            origins: vec![OriginSpec {
                origin: "https://img.example".into(),
                protocol: Protocol::H2,
                ..OriginSpec::default()
            }],
            ..gallery("http2", "Twenty photos over HTTP/2")
        },
        "multi-origin" => shop("multi-origin", ""),
        "return-visit" => return_visit(),
        "redirects" => redirects(),
        "event-streams" => event_streams(),
        "realtime" => realtime(),
        "websocket-h2" => websocket_h2(),
        "stream-errors" => stream_errors(),
        "xhr" => xhr(),
        "preconnect" => shop(
            "preconnect",
            "<link rel=\"preconnect\" href=\"https://static.shop.example\">\n<link rel=\"preconnect\" href=\"https://fonts.example\" crossorigin>\n<link rel=\"preconnect\" href=\"https://pay.partner.example\">\n",
        ),
        _ => return None,
    })
}

/// Every preset, in order.
pub fn presets() -> Vec<PageScenario> {
    NAMES.iter().filter_map(|n| preset(n)).collect()
}

/// A page of `requests` sub-resources spread over `origins` origins (round robin; the first
/// is the page's own), for benchmarks and limit tests: a stylesheet and a script per origin,
/// the rest images. Not a preset: nothing about it is meant to teach.
pub fn synthetic(requests: usize, origins: usize) -> PageScenario {
    let origins = origins.max(1);
    let origin = |i: usize| {
        if i % origins == 0 {
            String::new()
        } else {
            format!("https://cdn{}.example", i % origins)
        }
    };
    let mut html = String::from("<!DOCTYPE html>\n<html><head><title>Synthetic</title>\n");
    for i in 0..requests {
        let o = origin(i);
        let line = match i / origins {
            0 => format!("<link rel=\"stylesheet\" href=\"{o}/s{i}.css\">\n"),
            1 => format!("<script src=\"{o}/j{i}.js\" async></script>\n"),
            _ => format!("<img src=\"{o}/i{i}.png\">\n"),
        };
        html.push_str(&line);
    }
    html.push_str("</head><body></body></html>\n");
    PageScenario {
        name: format!("synthetic-{requests}x{origins}"),
        url: "https://www.example/".into(),
        html,
        ..PageScenario::default()
    }
}

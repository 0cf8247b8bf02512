//! Stage 1 of the journey, URL: the components as the browser's `URL` API reports them, the
//! origin tuple, and what the parser normalised.

use super::state::Shared;
use super::url_bar::ColouredUrl;
use crate::model::url::{Origin, Parsed};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct UrlStageProps {
    pub parsed: Shared<Parsed>,
    /// The cursor is on the URL stage: the card is the current step's, else a reference.
    pub current: bool,
}

/// One row per getter of the `URL` interface, with what the part is for.
const ROWS: [(&str, &str, &str); 11] = [
    ("href", "", "The whole URL, re-serialized by the parser: the form the browser actually uses from here on."),
    ("protocol", "scheme", "Decides how the resource is fetched. https means HTTP carried over a TLS-encrypted TCP connection; http means no encryption."),
    ("username", "username", "Credentials written into the URL. Rare today, and browsers warn about them."),
    ("password", "password", "The password half of those credentials."),
    ("host", "host", "Host name plus the port when it is not the default."),
    ("hostname", "host", "The server's name. DNS turns it into an IP address before any connection can open."),
    ("port", "port", "The TCP port to connect to. Empty means the scheme's default, 443 for https and 80 for http."),
    ("pathname", "path", "Which resource on that server. It goes into the first line of the HTTP request."),
    ("search", "query", "The query string: parameters for the server, sent along with the path."),
    ("hash", "fragment", "The fragment never leaves the browser: it names a place inside the page once it has loaded."),
    ("origin", "", "Scheme, host and port together. It is the unit of trust for the same-origin policy, and the key the browser files connections under."),
];

#[component]
pub fn UrlStage(props: &UrlStageProps) -> Html {
    let p = &props.parsed;
    let g = &p.getters;
    let value = |name: &str| -> String {
        match name {
            "href" => g.href.clone(),
            "protocol" => g.protocol.clone(),
            "username" => g.username.clone(),
            "password" => g.password.clone(),
            "host" => g.host.clone(),
            "hostname" => g.hostname.clone(),
            "port" => g.port.clone(),
            "pathname" => g.pathname.clone(),
            "search" => g.search.clone(),
            "hash" => g.hash.clone(),
            "origin" => g.origin.clone(),
            _ => String::new(),
        }
    };
    html! {
        <section class="stage" id="stage-url" aria-labelledby="stage-url-title" data-current={props.current.then_some("")}>
            <div class="stage-head">
                <span class="step-id">{ "url.parse" }</span>
                <h2 id="stage-url-title">{ if props.current {
                    "1 · The typed text becomes a URL"
                } else {
                    "The URL every step reads, as the parser split it at step 1"
                } }</h2>
            </div>
            <p class="explain">
                { "Before anything touches the network, the browser runs the text through the URL \
                   parser. It splits it into parts, lower-cases the host, drops a port that is the \
                   scheme's default and resolves \u{201c}..\u{201d} in the path. Every later step \
                   reads these parts: DNS gets the host, the TCP connection gets the port, and the \
                   HTTP request carries the path and query." }
            </p>
            <div class="big-url">
                <ColouredUrl parsed={(**p).clone()} />
                if let (true, Some(port)) = (p.segments.iter().any(|s| s.implied), p.default_port) {
                    <p class="legend">
                        <span class="legend-box" aria-hidden="true">{ port.to_string() }</span>
                        { format!(" In a dashed box: port {port} is the default for {}, so the URL does not \
                                   need to say it. The connection still goes to port {port}.", p.getters.protocol.trim_end_matches(':')) }
                    </p>
                }
            </div>
            <div class="grid">
                <table class="components" id="components">
                    <caption>{ "What " }<code>{ "new URL(…)" }</code>{ " reports" }</caption>
                    <thead><tr><th scope="col">{ "getter" }</th><th scope="col">{ "value" }</th><th scope="col">{ "what it is for" }</th></tr></thead>
                    <tbody>
                        { for ROWS.iter().map(|(name, part, why)| {
                            let v = value(name);
                            html! {
                                <tr data-getter={*name}>
                                    <th scope="row"><code data-part={*part}>{ *name }</code></th>
                                    <td class="value">
                                        if v.is_empty() { <span class="empty">{ "\"\" (empty)" }</span> }
                                        else { <code>{ v }</code> }
                                    </td>
                                    <td class="why">{ *why }</td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
                <aside class="side">
                    <OriginCard origin={p.origin.clone()} serialized={g.origin.clone()} />
                    if !p.changes.is_empty() {
                        <div class="card" id="changes">
                            <h3>{ "What the parser changed" }</h3>
                            <ul>{ for p.changes.iter().map(|c| html! { <li>{ c.note.clone() }</li> }) }</ul>
                        </div>
                    }
                </aside>
            </div>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct OriginCardProps {
    origin: Origin,
    serialized: String,
}

#[component]
fn OriginCard(props: &OriginCardProps) -> Html {
    html! {
        <div class="card" id="origin">
            <h3>{ "Origin" }</h3>
            { match &props.origin {
                Origin::Tuple { scheme, host, port } => html! {
                    <>
                        <div class="tuple" aria-label={format!("origin tuple: scheme {scheme}, host {host}, port {port}")}>
                            <span class="paren">{ "(" }</span>
                            <span class="t part-scheme" data-origin="scheme">{ scheme.clone() }<small>{ "scheme" }</small></span>
                            <span class="comma">{ "," }</span>
                            <span class="t part-host" data-origin="host">{ host.clone() }<small>{ "host" }</small></span>
                            <span class="comma">{ "," }</span>
                            <span class="t part-port" data-origin="port">{ port.to_string() }<small>{ "port" }</small></span>
                            <span class="paren">{ ")" }</span>
                        </div>
                        <p>{ "Serialized as " }<code>{ props.serialized.clone() }</code>{ ". Another URL is same-origin with this one only if all three parts are equal." }</p>
                    </>
                },
                Origin::Opaque => html! {
                    <p data-origin="opaque">{ "Opaque: this scheme has no host, so the URL gets a fresh origin that equals no other (serialized as " }<code>{ "null" }</code>{ ")." }</p>
                },
            } }
        </div>
    }
}

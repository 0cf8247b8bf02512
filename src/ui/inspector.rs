//! The inspector: everything about the current step, and, where the journey shows the user
//! something (the painted page, an error page, the certificate warning), what that looks like.

use super::state::JourneyRef;
use crate::model::navigation::Outcome;
use crate::model::trace::Event;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    pub journey: JourneyRef,
    pub cursor: usize,
    /// The steps the view may show (an embedded frame's range, else all): the count is theirs.
    pub range: (usize, usize),
}

#[component]
pub fn Inspector(p: &InspectorProps) -> Html {
    let j = &p.journey.0;
    let Some(e) = j.trace.events.get(p.cursor) else {
        return html! { <section class="panel inspector" aria-label="Inspector"><p>{ "Nothing to show." }</p></section> };
    };
    let info = e.step.info_for(j.tls);
    html! {
        <section class="panel inspector" aria-labelledby="insp-title">
            <p class="insp-meta">
                <span>{ crate::timeline::step_count(p.cursor, p.range) }</span>
                <code class="step-id" id="insp-step">{ info.id }</code>
                <span id="insp-time">{ e.at.to_string() }</span>
                if let Some(b) = crate::timeline::request_badge(j, e) { <span class="req-badge">{ b }</span> }
            </p>
            <h2 id="insp-title">{ info.title }</h2>
            <p class="insp-summary" id="insp-summary">{ e.summary().to_string() }</p>
            <p class="insp-explain">{ info.explain }</p>
            if let Some(f) = &e.flight {
                <p class="insp-flight">
                    { format!("{} → {}: sent at {}, arrives at {} ({} on the wire, {} bytes)", endpoint_label(&j.trace, f.from, e.endpoint), endpoint_label(&j.trace, f.to, f.to_endpoint), f.sent_at, f.arrives_at, f.duration(), f.bytes) }
                </p>
            }
            { seen_by_user(e, &j.outcome) }
            if !e.field_list().is_empty() {
                <table class="fields" id="insp-fields">
                    <caption>{ "Fields" }</caption>
                    <tbody>
                        { for e.field_list().iter().map(|f| html! {
                            <tr>
                                <th scope="row">{ f.name.clone() }</th>
                                <td>
                                    <code>{ f.value.clone() }</code>
                                    if let Some(s) = f.spec { <span class="field-spec">{ s }</span> }
                                </td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
            <super::lazy::BytesSlot journey={p.journey.clone()} cursor={p.cursor} />
            <h3 class="insp-h">{ "Why it matters" }</h3>
            <p class="insp-why">{ info.why }</p>
            <p class="insp-spec">{ "Spec: " }<a href={info.spec.1} target="_blank" rel="noopener noreferrer">{ info.spec.0 }</a></p>
        </section>
    }
}

/// A lane's label with the one endpoint in that role, when it is not the browser's own:
/// `Web server (www.example.com:443 (203.0.113.112))`.
fn endpoint_label(
    trace: &crate::model::trace::Trace,
    actor: crate::model::trace::Actor,
    id: Option<u16>,
) -> String {
    use crate::model::trace::Actor;
    match (actor, trace.endpoint_name(id)) {
        (Actor::Browser | Actor::Cache | Actor::Os, _) | (_, None) => actor.label().to_string(),
        (_, Some(name)) => format!("{} ({name})", actor.label()),
    }
}

/// A small mock of the browser window for the steps where the user sees the result.
fn seen_by_user(e: &Event, outcome: &Outcome) -> Html {
    let step = e.step.as_str();
    let get = |n: &str| e.get(n).unwrap_or("").to_string();
    let body = match step {
        "nav.interstitial" => html! {
            <div class="mock interstitial" id="warning-page">
                <div class="mock-icon" aria-hidden="true">{ "⚠" }</div>
                <p class="mock-h">{ get("heading") }</p>
                <p>{ get("text") }</p>
                <p class="mock-code">{ get("error") }</p>
                <div class="mock-buttons"><span class="mock-btn primary">{ "Back to safety" }</span><span class="mock-btn">{ "Advanced" }</span></div>
            </div>
        },
        "nav.error_page" => html! {
            <div class="mock errorpage" id="error-page">
                <p class="mock-h">{ get("heading") }</p>
                <p>{ e.summary().split(": ").nth(1).unwrap_or("").to_string() }</p>
                <p class="mock-code">{ get("error") }</p>
                <div class="mock-buttons"><span class="mock-btn primary">{ "Reload" }</span></div>
            </div>
        },
        "render.paint" => html! {
            <div class="mock page" id="painted-page">
                <p class="mock-h">{ "The page appears" }</p>
                <p>{ "Text, styles and the \u{201c}Load data\u{201d} button are on screen; the script has registered its click handler." }</p>
            </div>
        },
        "url.not_fetched" => html! {
            <div class="mock page" id="not-fetched">
                <p class="mock-h">{ "No network request" }</p>
                <p>{ get("why") }</p>
            </div>
        },
        "url.parse" if matches!(outcome, Outcome::Error { code, .. } if code == "INVALID_URL") => {
            html! {
                <div class="mock errorpage" id="invalid-url">
                    <p class="mock-h">{ "Not a URL: the address bar searches for it instead" }</p>
                    <p>{ get("error") }</p>
                </div>
            }
        }
        _ => return Html::default(),
    };
    html! {
        <figure class="seen">
            <figcaption>{ "What the user sees" }</figcaption>
            { body }
        </figure>
    }
}

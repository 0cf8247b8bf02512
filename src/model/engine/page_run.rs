//! What the page does once its document arrives, as the journey shows it: the renderer's
//! stages for the generated document ([`crate::model::render::document`]: parse the HTML, the inline
//! stylesheet, the inline script that registers a click handler; `DOMContentLoaded`, `load`,
//! the first paint), then the event loop: a click a second after the paint whose handler calls
//! `fetch()` (`/api/data` on the page's origin, or an API on another origin: [`api_url`]) and
//! `setTimeout(…, 100)`, the timer's task, and the fetch's task and microtask when its response
//! is in (or its rejection).
//!
//! The engine ([`crate::model::load`]) runs it when its situation gives the page's [`Costs`]; how long
//! each stage takes is a scenario assumption, and parsing streams: it starts with the first
//! bytes and cannot finish before the last.
//!
//! Left out: real tokenization, style resolution, layout geometry; the journey's document has
//! no sub-resources, so `load` follows `DOMContentLoaded` at once.

use crate::model::render;
use crate::model::scenario::{ApiChoice, Costs};
use crate::model::step::steps;
use crate::model::time::{Duration, Instant};
use crate::model::trace::{Actor, Event};

/// The page's milestones, for Navigation Timing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Milestones {
    /// The DOM is complete: `DOMContentLoaded` and, with nothing else to load, `load`.
    pub interactive: Instant,
    /// The first paint is on screen.
    pub painted: Instant,
    /// The user clicks "Load data".
    pub click: Instant,
}

/// The renderer's events for a document of `title` whose first byte arrived at `first_byte`
/// and last at `last_byte`, in time order, and the milestones.
pub fn render(
    costs: &Costs,
    title: &str,
    first_byte: Instant,
    last_byte: Instant,
) -> (Vec<Event>, Milestones) {
    let c = costs;
    let (html_len, elements, rules) = render::measure(title, c.document_bytes);
    let assumed = |us: u64| format!("{} (scenario assumption)", Duration::from_micros(us));
    let t0 = first_byte;
    let mut out = vec![Event::new(
        t0,
        Actor::Browser,
        steps::RENDER_PARSE_HTML,
        format!("parse {html_len} bytes of HTML into a DOM of {elements} elements"),
    )
    .field("elements", elements)
    .note(
        "streaming",
        "parsing starts with the first bytes, before the rest has arrived",
    )
    .field("cost", assumed(c.parse_html_us))];
    let t1 = t0 + Duration::from_micros(c.parse_html_us / 2);
    out.push(
        Event::new(
            t1,
            Actor::Browser,
            steps::RENDER_PARSE_CSS,
            format!("parse the inline stylesheet: {rules} rules into the CSSOM"),
        )
        .field("rules", rules)
        .note(
            "render_blocking",
            "yes: nothing is painted before the CSSOM is ready",
        )
        .field("cost", assumed(c.parse_css_us)),
    );
    // The script sits at the end of the document: the parser reaches it once the bytes before
    // it have arrived and been parsed.
    let t2 = (t1 + Duration::from_micros(c.parse_css_us)).max(Instant::from_micros(
        last_byte.micros().saturating_sub(c.parse_html_us / 2),
    ));
    out.push(
        Event::new(
            t2,
            Actor::Browser,
            steps::RENDER_SCRIPT,
            "run the inline script: register the button's click handler",
        )
        .note(
            "parser",
            "blocked while the script runs (no async or defer)",
        )
        .field("cost", assumed(c.script_us)),
    );
    let interactive =
        (t2 + Duration::from_micros(c.script_us + c.parse_html_us / 2)).max(last_byte);
    out.push(
        Event::new(
            interactive,
            Actor::Browser,
            steps::RENDER_DOM_CONTENT_LOADED,
            "DOMContentLoaded: the DOM is complete",
        )
        .note("document.readyState", "interactive"),
    );
    out.push(
        Event::new(
            interactive,
            Actor::Browser,
            steps::RENDER_LOAD,
            "load: no sub-resources to wait for, so load follows at once",
        )
        .note("document.readyState", "complete"),
    );
    let painted = interactive + Duration::from_micros(c.paint_us);
    out.push(
        Event::new(
            interactive,
            Actor::Browser,
            steps::RENDER_PAINT,
            "style, layout and the first paint",
        )
        .field("cost", assumed(c.paint_us))
        .field("visible_at", painted),
    );
    let click = painted + Duration::from_millis(1000);
    (
        out,
        Milestones {
            interactive,
            painted,
            click,
        },
    )
}

/// The path the click handler fetches.
pub const API_PATH: &str = "/api/data";

/// The URL the click handler fetches from the page at `base`: `/api/data` on the page's
/// origin, or on `api.` and the page's site (`https://api.example.com/data`) for an API on
/// another origin.
pub fn api_url(base: &::url::Url, api: ApiChoice) -> Option<::url::Url> {
    if api == ApiChoice::SameOrigin {
        return base.join(API_PATH).ok();
    }
    let host = base.host_str()?;
    let site = crate::model::site::SuffixList::default()
        .registrable_domain(host)
        .unwrap_or_else(|| host.to_string());
    ::url::Url::parse(&format!("{}://api.{site}/data", base.scheme())).ok()
}

/// The timer the click handler sets, HTML §8.6: a minimum delay.
pub const TIMER: Duration = Duration::from_millis(100);

/// The click's task, and the timer's, which runs `TIMER` later.
pub fn click(at: Instant) -> [Event; 2] {
    [
        Event::new(
            at,
            Actor::Browser,
            steps::LOOP_CLICK,
            "task: the user clicks \"Load data\"; the handler calls fetch() and setTimeout(…, 100)",
        )
        .note("when", "1 s after the first paint (scenario assumption)")
        .note(
            "queues",
            "a network request, and a timer task due in 100 ms",
        ),
        Event::new(
            at + TIMER,
            Actor::Browser,
            steps::LOOP_TIMER,
            "task: the 100 ms timer fires and logs \"timer\"",
        )
        .field_spec(
            "delay",
            "100 ms, a minimum: the task waits for the loop",
            "HTML §8.6",
        ),
    ]
}

/// The fetch's response is in at `done` (clicked at `click`): its task and the microtask that
/// runs its `.then()` callbacks.
pub fn fetched(click: Instant, done: Instant) -> [Event; 2] {
    let order = if done < click + TIMER {
        "before"
    } else {
        "after"
    };
    [
        Event::new(
            done,
            Actor::Browser,
            steps::LOOP_FETCH,
            format!("task: the fetch() response is in ({order} the timer); its promise resolves"),
        )
        .field("took", done.since(click))
        .note(
            "request",
            "the click handler's GET, through the same cache and pool",
        ),
        Event::new(
            done,
            Actor::Browser,
            steps::LOOP_MICROTASK,
            "microtask: the .then() callbacks run and write the data into the page",
        )
        .note(
            "runs",
            "right after the task, before rendering or the next task",
        ),
    ]
}

/// The CORS check blocked the fetch's response at `at`: its promise rejects, and the page
/// never sees the response (the console has Chromium's message).
pub fn fetch_blocked(at: Instant) -> Event {
    Event::new(
        at,
        Actor::Browser,
        steps::LOOP_FETCH,
        "task: fetch() rejects with TypeError (blocked by CORS)",
    )
    .field_spec(
        "why",
        "the response arrived, but the CORS check refused it to the page",
        "Fetch §4.9",
    )
}

/// The fetch failed at `at` with Chromium's `error` (`net::ERR_…`): its promise rejects.
pub fn fetch_failed(at: Instant, error: &str) -> Event {
    Event::new(
        at,
        Actor::Browser,
        steps::LOOP_FETCH,
        format!(
            "task: fetch() rejects with TypeError ({})",
            error.trim_start_matches("net::")
        ),
    )
}

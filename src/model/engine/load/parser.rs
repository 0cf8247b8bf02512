//! The document's parser and its preload scanner: the scanner requests the URLs written in the
//! markup as the document arrives; the parser meets every other sub-resource at its place in
//! the document and holds back what must wait for parser-blocking scripts and stylesheets.
//!
//! Blink's `HTMLDocumentParser::Append` runs the preload scanner over a document's first chunk
//! before the parser tokenizes it, and over later chunks while the parser waits for a script
//! (third_party/blink/renderer/core/html/parser/html_document_parser.cc; the scanner's tags
//! are `TokenPreloadScanner`'s in html_preload_scanner.cc: no frames, no fonts, nothing a
//! script makes). The model's document arrives whole, as one chunk, so everything the scanner
//! finds is requested when it arrives, before any inline script has run: a Chromium 156 in
//! the fidelity harness sent the event-streams page's image, and the xhr page's stylesheet
//! and image, before what the inline scripts above them asked for.
//!
//! Left out: a document that arrives in several chunks (the scanner then finds a later
//! chunk's URLs when the parser reaches them, unless the parser is waiting), the parser's
//! yields between chunks, and a `<meta http-equiv>` CSP that stops the scan.

use super::*;

impl Sim<'_> {
    /// The document has arrived: the preload scanner requests what it finds now, and the
    /// parser meets each other tag at its place in the document.
    pub(super) fn discover(&mut self, t: Instant) {
        let d = page::discover(&self.sc.html, self.reqs[self.doc].url.as_str());
        self.problems.extend(d.problems);
        let body = d.body;
        let n = d.resources.len().min(MAX_REQUESTS);
        self.reqs.reserve(n);
        let len = self.sc.html.len().max(1) as u64;
        let parse = if self.sc.parse_ms.is_finite() {
            (self.sc.parse_ms.clamp(0.0, 60_000.0) * 1000.0) as u64
        } else {
            0
        };
        let at = |offset: usize| {
            t + Duration::from_micros(
                (u128::from(parse) * offset.min(len as usize) as u128 / u128::from(len)) as u64,
            )
        };
        // The scanner finds `<link rel=preconnect>` too.
        for p in d.preconnects {
            self.schedule(t, Ev::Preconnect(p.origin, p.anonymous));
        }
        // What the parser must wait for: a classic script stops it until the script has loaded
        // and run, and a script also waits for the stylesheets before it (HTML §4.2.6
        // "script-blocking style sheet"). The preload scanner has requested the `src` and
        // `href` URLs already, so only what the parser itself creates waits: inline scripts
        // (their calls), frames and media elements. A web font is fetched when layout first
        // needs it, after the stylesheets have loaded.
        let script_ms = if self.sc.script_ms.is_finite() {
            (self.sc.script_ms.clamp(0.0, 60_000.0) * 1000.0) as u64
        } else {
            0
        };
        let mut parsing = Parsing {
            end: at(len as usize),
            script: Duration::from_micros(script_ms),
            after: vec![],
        };
        let mut resources = d.resources;
        source_connects_last(&mut resources);
        for res in resources {
            // A `setInterval` calls its `fetch()` first a period after the script runs.
            let first_call = match res.repeat {
                Some(page::Repeat::Every(ms)) => Duration::from_millis(ms),
                _ => Duration::ZERO,
            };
            // The preload scanner reads the document as its bytes arrive, ahead of the parser
            // and past scripts the parser has not run yet, and requests the `src` and `href`
            // URLs it finds; what a script or the parser itself creates waits for the parser.
            let by_scanner = scanned(&res);
            let found = if by_scanner { t } else { at(res.offset) };
            let when = found + first_call;
            let (repeat, api) = (res.repeat, res.api);
            // A timer's first call after the model stops watching is not followed.
            if first_call != Duration::ZERO && when > self.watch_end() {
                continue;
            }
            let source = res.api == Some(page::Api::EventSource);
            let websocket = res.api == Some(page::Api::WebSocket);
            let mut res = res;
            let protocols = std::mem::take(&mut res.protocols);
            if websocket {
                // The connection is made to the `http(s)` twin of the `ws(s)` URL.
                let twin = if res.url.scheme() == "wss" {
                    "https"
                } else {
                    "http"
                };
                if res.url.set_scheme(twin).is_err() {
                    continue;
                }
            }
            let (offset, dest, blocks, preload, after, unhandled) = (
                res.offset,
                res.destination,
                res.parser_blocking,
                res.preload,
                res.deferred,
                res.unhandled,
            );
            let Some(r) = self.new_request(
                res.url,
                Dest::Fetch(res.destination),
                res.priority,
                res.source,
                res.method,
                res.headers,
                res.credentials,
                when,
            ) else {
                continue;
            };
            self.reqs[r].unhandled = unhandled;
            if by_scanner {
                (self.reqs[r].initiator)
                    .push_str(" (the preload scanner found it as the document arrived)");
            }
            if source {
                self.open_source(r);
            }
            if websocket {
                self.open_websocket(r, protocols);
            }
            if let Some(repeat) = repeat {
                self.set_repeat(r, repeat);
            }
            if let Some(page::Api::Xhr { sync }) = api {
                self.open_xhr(r, sync);
            }
            // How many of each list come before this place in the document.
            let before_at = |v: &[(usize, usize)], at: usize| v.partition_point(|(o, _)| *o < at);
            let before = |v: &[(usize, usize)]| before_at(v, offset);
            let (mut nb, ns) = (before(&self.blocking), before(&self.styles));
            // A script's calls after a synchronous XHR of its own wait for its answer: the
            // script goes on only once `send()` returns (its XHR is at the script's place).
            if dest == Destination::Fetch {
                nb = self.blocking.partition_point(|(o, _)| *o <= offset);
            }
            let script = Duration::from_micros(script_ms);
            let wait = match dest {
                // A preload is fetched when the scanner finds it: it waits for nothing.
                _ if preload => None,
                Destination::Fetch => Some((
                    nb,
                    ns,
                    script + first_call,
                    format!(
                        "the inline script runs once the parser gets past {}",
                        self.names(nb, ns)
                    ),
                )),
                Destination::Iframe | Destination::Media => {
                    let (nb, ns) = self.parser_reaches(offset);
                    let what = if dest == Destination::Iframe {
                        "frame"
                    } else {
                        "media element"
                    };
                    Some((
                        nb,
                        ns,
                        script,
                        format!(
                            "the parser creates the {what} once {} has run",
                            self.names(nb, ns)
                        ),
                    ))
                }
                Destination::Font => {
                    let ns = self.styles.len();
                    Some((
                        0,
                        ns,
                        Duration::ZERO,
                        format!(
                            "a web font is fetched when layout first needs it, after {} arrived",
                            self.names(0, ns)
                        ),
                    ))
                }
                _ => None,
            };
            if blocks {
                self.blocking.push((offset, r));
            }
            if after {
                parsing.after.push(r);
            }
            // A preloaded stylesheet is not applied: it holds no script back.
            if dest == Destination::Style && !preload {
                self.styles.push((offset, r));
            }
            match wait {
                Some((blocking, styles, extra, why)) if blocking + styles > 0 => {
                    self.deferred.push(Deferred {
                        request: Some(r),
                        earliest: when,
                        blocking,
                        styles,
                        extra,
                        why,
                    })
                }
                _ => self.schedule(when, Ev::Issue(r)),
            }
        }
        self.parsing = Some(parsing);
        self.insert_body(at(body), body, Duration::from_micros(script_ms));
        // Room for what the page will add, so the trace is not copied as it grows (nor held
        // twice): about fourteen events a request once its connection is open, and a
        // handshake's for each connection the pool may open (six per origin).
        let found = self.reqs.len().saturating_sub(1);
        let connections = found.min(self.origins.len() * 6);
        self.trace
            .events
            .reserve(found * EVENTS_PER_REQUEST + connections * EVENTS_PER_CONNECTION);
    }

    /// The file names of the first `nb` parser-blocking scripts and `ns` stylesheets: the last
    /// three of them, and how many more.
    pub(super) fn names(&self, nb: usize, ns: usize) -> String {
        let mut all: Vec<(usize, usize)> = self.blocking[..nb]
            .iter()
            .chain(&self.styles[..ns])
            .copied()
            .collect();
        all.sort_unstable();
        let shown = all.len().saturating_sub(3);
        let mut text = all[shown..]
            .iter()
            .map(|(_, i)| {
                let u = self.reqs[*i].url.as_str();
                u.rsplit('/')
                    .next()
                    .filter(|x| !x.is_empty())
                    .unwrap_or(u)
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join(", ");
        if shown > 0 {
            text.push_str(&format!(" and {shown} before them"));
        }
        text
    }

    /// The document's DOM milestones for a page the engine parses, after HTML §13.2.7 "The end",
    /// in the model's terms: the parser reaches the end of the document (`interactive`) once
    /// the document has arrived, its parse time has passed and every parser-blocking script
    /// (with the stylesheets before the last one) has loaded and run; then the scripts that run
    /// after parsing (`defer`, modules) run in order, each once it and every stylesheet have
    /// loaded, and `DOMContentLoaded` fires; `load` fires once every image, stylesheet, script,
    /// font and frame has ended, an `async` script having run too. A `fetch()` and an
    /// `EventSource` delay neither (Blink's `kRaw` resources do not block the load event).
    /// `None` before the document is parsed.
    pub(super) fn dom_milestones(&self) -> Option<(Instant, Instant, Instant)> {
        let p = self.parsing.as_ref()?;
        let end = |r: usize| self.reqs.get(r).and_then(|q| q.end);
        let ran = |r: usize| {
            self.reqs
                .get(r)
                .is_some_and(|q| matches!(q.outcome, Some(Outcome::Ok { .. })))
        };
        let latest = |list: &mut dyn Iterator<Item = usize>| list.filter_map(end).max();
        let mut parsed = p.end.max(end(self.doc)?);
        if let Some(&(last, _)) = self.blocking.last() {
            let scripts = self.blocking.iter().map(|b| b.1);
            let styles = self.styles.iter().filter(|s| s.0 < last).map(|s| s.1);
            if let Some(t) = latest(&mut scripts.chain(styles)) {
                parsed = parsed.max(t + p.script);
            }
        }
        let mut dcl = parsed;
        if !p.after.is_empty() {
            dcl = dcl.max(latest(&mut self.styles.iter().map(|s| s.1)).unwrap_or(dcl));
        }
        for &r in &p.after {
            dcl = dcl.max(end(r).unwrap_or(dcl));
            if ran(r) {
                dcl += p.script;
            }
        }
        // The scripts that run before DOMContentLoaded (parser-blocking, after parsing); every
        // other script runs when it has loaded.
        let mut runs_before = vec![false; self.reqs.len()];
        for &r in self.blocking.iter().map(|b| &b.1).chain(&p.after) {
            if let Some(x) = runs_before.get_mut(r) {
                *x = true;
            }
        }
        let mut load = dcl;
        for (r, q) in self.reqs.iter().enumerate().skip(self.doc + 1) {
            let Dest::Fetch(d) = q.dest else { continue };
            let delays = matches!(
                d,
                Destination::Image
                    | Destination::Style
                    | Destination::Script
                    | Destination::Font
                    | Destination::Iframe
            );
            let Some(e) = q.end else {
                // Still waiting when the model stopped watching (behind open streams): `load`
                // has not fired, and Navigation Timing says 0.
                if delays && self.lasting {
                    return Some((parsed, dcl, Instant::ZERO));
                }
                continue;
            };
            let runs_when_loaded = d == Destination::Script && ran(r) && !runs_before[r];
            if delays {
                load = load.max(if runs_when_loaded { e + p.script } else { e });
            }
        }
        Some((parsed, dcl, load))
    }

    /// A request ended: the parser may go on past it.
    /// What the parser must wait for before it inserts an element at byte `offset`: the
    /// parser-blocking scripts before it to have run, the last of which ran once the
    /// stylesheets before *it* had loaded. (blocking scripts, stylesheets) to wait for.
    fn parser_reaches(&self, offset: usize) -> (usize, usize) {
        let before = |v: &[(usize, usize)], at: usize| v.partition_point(|(o, _)| *o < at);
        let nb = before(&self.blocking, offset);
        let ns = nb
            .checked_sub(1)
            .map_or(0, |k| before(&self.styles, self.blocking[k].0));
        (nb, ns)
    }

    /// The parser inserts `<body>` (at byte `offset`, reached at `at`) once the blocking scripts
    /// before it have run (`script` each), each after the stylesheets before it: then Blink's
    /// scheduler leaves tight mode ([`Ev::Body`]).
    fn insert_body(&mut self, at: Instant, offset: usize, script: Duration) {
        let (nb, ns) = self.parser_reaches(offset);
        if nb + ns == 0 {
            self.schedule(at, Ev::Body);
        } else {
            self.deferred.push(Deferred {
                request: None,
                earliest: at,
                blocking: nb,
                styles: ns,
                extra: script,
                why: String::new(),
            });
        }
    }

    pub(super) fn release_deferred(&mut self, t: Instant) {
        let done = |list: &[(usize, usize)], from: usize, reqs: &[R]| {
            from + list[from..]
                .iter()
                .take_while(|(_, r)| reqs[*r].end.is_some())
                .count()
        };
        let (b, s) = (
            done(&self.blocking, self.blocking_done, &self.reqs),
            done(&self.styles, self.styles_done, &self.reqs),
        );
        if (b, s) == (self.blocking_done, self.styles_done) {
            return;
        }
        (self.blocking_done, self.styles_done) = (b, s);
        let (ready, waiting): (Vec<Deferred>, Vec<Deferred>) = std::mem::take(&mut self.deferred)
            .into_iter()
            .partition(|d| d.blocking <= b && d.styles <= s);
        self.deferred = waiting;
        for d in ready {
            let when = d.earliest.max(t + d.extra);
            let Some(r) = d.request else {
                self.schedule(when, Ev::Body);
                continue;
            };
            self.reqs[r].t0 = when;
            self.reqs[r].initiator.push_str(&format!(" ({})", d.why));
            self.schedule(when, Ev::Issue(r));
        }
    }
}

/// Whether Blink's preload scanner requests `res` as it reads the document: the URLs in the
/// markup (`<img src>`, `<script src>`, `<link href>`, an inline style's `@import`), but not a
/// frame (the parser creates it), a media element's source (the element loads it once
/// created), a web font (layout asks for it) or what a script's API call asks for.
fn scanned(res: &page::Resource) -> bool {
    let created = matches!(
        res.destination,
        Destination::Iframe | Destination::Media | Destination::Font
    );
    res.api.is_none() && !created
}

/// Blink's `EventSource` connects from a task of its own (`EventSource::ScheduleInitialConnect`
/// starts a zero-delay timer, third_party/blink/renderer/modules/eventsource/event_source.cc):
/// after the script that made it has run, so after that script's `fetch()` and XHR calls. A
/// Chromium 156 in the fidelity harness sent a script's `fetch()` 19 ms before the seven
/// streams the same script had opened first (the event-streams page as first served).
fn source_connects_last(resources: &mut [page::Resource]) {
    for script in resources.chunk_by_mut(|a, b| a.offset == b.offset) {
        script.sort_by_key(|r| r.api == Some(page::Api::EventSource));
    }
}

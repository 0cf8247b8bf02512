//! The replay itself: a [`Recording`] laid out as a [`PageLoad`]. Which entries and sockets
//! are kept (the http(s) entries, mended by [`repair`], and the sockets within the hour of the
//! first request), the page (its first document that arrived), each connection (a recorded
//! socket, or one per `connection` id the entries name), each request's phases from its
//! `timings`, and the load's figures (the round trip as the median TCP handshake, the file's
//! `pageTimings`).

use super::*;

/// Turns a recording into a page load the views can show, named `name`.
pub fn replay_recording(rec: &Recording, name: &str) -> Result<PageLoad, String> {
    let mut notes = rec.notes.clone();
    if rec.source == Source::Har {
        notes.push(
            "a HAR file names connections only through its requests: one that carried none \
             (a preconnect's, or the browser's second connection at the navigation's start) is \
             not in it"
                .into(),
        );
    }
    let entries = kept_entries(rec, &mut notes);
    let list: Vec<&Entry> = entries.iter().collect();
    let first = list
        .first()
        .ok_or("the recording has no http(s) requests")?
        .started_us;
    let sockets = sockets_near(rec, first);
    // A socket connected before the first request (a preconnect) starts the replay.
    let t0 = sockets.iter().map(|s| s.start_us).fold(first, i64::min);
    one_visit(&list, t0)?;
    let (page_url, page_origin) = page_of(&list)?;
    let mut layout = Layout::new(&sockets, t0);
    let mut requests = Vec::with_capacity(list.len());
    let mut console = Vec::new();
    for (i, e) in list.iter().enumerate() {
        let r = layout.request(i as u32 + 1, e, rec.source, &page_origin);
        if let Outcome::Failed { error } = &r.outcome {
            console.push(format!("{} {}: {error}", e.method, e.url));
        }
        requests.push(r);
    }
    if list.iter().any(|e| !e.ws_messages.is_empty()) {
        notes.push(format!(
            "a WebSocket's messages are the file's _webSocketMessages: its text and binary messages (at most {MAX_RECORDED_MESSAGES} a socket), each a tick at its time; a HAR records no ping, pong or close, nor the frames' headers, so each message's bytes are its payload and RFC 6455's framing for it"
        ));
    }
    let timing = page_timing(rec, t0, &mut notes);
    Ok(finish(
        name,
        (page_url, page_origin),
        layout.connections,
        requests,
        console,
        notes,
        timing,
    ))
}

/// The entries replayed: the http(s) ones and WebSockets' handshakes (others are said in
/// `notes`) in the order they
/// started, mended ([`repair`]), their times within the hour a replay spans.
fn kept_entries(rec: &Recording, notes: &mut Vec<String>) -> Vec<Entry> {
    let mut list: Vec<&Entry> = Vec::new();
    for e in &rec.entries {
        let web = ["http://", "https://", "ws://", "wss://"];
        if web.iter().any(|p| e.url.starts_with(p)) {
            list.push(e);
        } else {
            notes.push(format!(
                "skipped {}: not an http(s) or WebSocket URL",
                crate::model::text::shorten(&e.url, 60)
            ));
        }
    }
    list.sort_by_key(|e| e.started_us);
    let mut repaired = repair(&list, rec.source, notes);
    // A recording's times within the hour a replay spans (a HAR file's already are).
    for e in &mut repaired {
        e.time = e.time.clamp(0.0, MAX_SPAN_MS);
        for t in &mut e.timings {
            if !(0.0..MAX_SPAN_MS).contains(t) {
                *t = -1.0;
            }
        }
    }
    repaired
}

/// The recording's sockets within an hour of the first request (`first`, epoch µs), their
/// times in order and within the hour.
fn sockets_near(rec: &Recording, first: i64) -> Vec<RecordedSocket> {
    rec.sockets
        .iter()
        .filter(|s| first.abs_diff(s.start_us) < MAX_SPAN_US as u64)
        .map(|s| {
            let last = s.start_us.saturating_add(MAX_SPAN_US);
            let cap = |t: i64, at_least: i64| t.clamp(at_least, last.max(at_least));
            let dns_end_us = cap(s.dns_end_us, s.start_us);
            let tcp_end_us = cap(s.tcp_end_us, dns_end_us);
            RecordedSocket {
                dns_end_us,
                tcp_end_us,
                ready_us: cap(s.ready_us, tcp_end_us),
                closed_us: s.closed_us.map(|c| cap(c, s.start_us)),
                ..s.clone()
            }
        })
        .collect()
}

/// One page load: a recording that spans hours is several visits, or a date gone wrong.
fn one_visit(list: &[&Entry], t0: i64) -> Result<(), String> {
    let last = list.last().map_or(t0, |e| e.started_us);
    if last.saturating_sub(t0) > MAX_SPAN_US {
        return Err(format!(
            "the entries start {} s apart, over the limit of one hour: wirewalk replays one page \
             load (save the HAR of one visit)",
            last.saturating_sub(t0) / 1_000_000
        ));
    }
    Ok(())
}

/// The page: the first document that arrived (after any redirects), else the first entry; its
/// URL and origin.
fn page_of(list: &[&Entry]) -> Result<(String, crate::model::url::Origin), String> {
    let page = list
        .iter()
        .find(|e| destination(e) == "document" && (200..300).contains(&e.status))
        .or(list.first())
        .ok_or("the recording has no http(s) requests")?;
    let origin = crate::model::url::parse(&page.url, None)
        .map_err(|e| format!("the page's URL cannot be parsed: {}", e.message))?
        .origin;
    Ok((page.url.clone(), origin))
}

/// The connections as the entries are laid out, and where to find them: a connection's index
/// by its id, and each group's connection starts (sorted) by the group's index, looked up
/// once per entry, so a recording with thousands of connections stays fast.
struct Layout {
    t0: i64,
    conn_ids: BTreeMap<String, usize>,
    group_ids: BTreeMap<String, usize>,
    starts: Vec<Vec<Instant>>,
    connections: Vec<Connection>,
    /// The recording names its sockets (a NetLog): each is a connection with its own times.
    named_sockets: bool,
}

impl Layout {
    fn new(sockets: &[RecordedSocket], t0: i64) -> Layout {
        let mut l = Layout {
            t0,
            conn_ids: BTreeMap::new(),
            group_ids: BTreeMap::new(),
            starts: Vec::new(),
            connections: Vec::new(),
            named_sockets: !sockets.is_empty(),
        };
        let mut sockets: Vec<&RecordedSocket> = sockets.iter().collect();
        sockets.sort_by_key(|s| s.start_us);
        for s in sockets {
            let g = l.group(&s.group);
            let id = l.connections.len() as u32 + 1;
            let c = socket_connection(s, id, l.starts[g].len(), t0);
            l.starts[g].push(c.start);
            l.conn_ids.insert(s.id.clone(), l.connections.len());
            l.connections.push(c);
        }
        l
    }

    /// The index of `group`, a new one the first time.
    fn group(&mut self, group: &str) -> usize {
        if let Some(&g) = self.group_ids.get(group) {
            return g;
        }
        self.starts.push(Vec::new());
        self.group_ids
            .insert(group.to_string(), self.starts.len() - 1);
        self.starts.len() - 1
    }

    /// Entry `e` as request `id` of the replay.
    fn request(
        &mut self,
        id: u32,
        e: &Entry,
        source: Source,
        page_origin: &crate::model::url::Origin,
    ) -> Request {
        let parsed = crate::model::url::parse(&e.url, None).ok();
        let origin = parsed
            .as_ref()
            .map(|p| p.origin.serialize())
            .unwrap_or_default();
        let start = Instant::from_micros(e.started_us.saturating_sub(self.t0).max(0) as u64);
        let end = start + Duration::from_micros(us(e.time));
        let host = parsed
            .as_ref()
            .map(|p| p.getters.hostname.clone())
            .unwrap_or_default();
        let group = e.socket_group.clone().unwrap_or_else(|| origin.clone());
        let g = self.group(&group);
        // wirewalk writes `_socketGroup` as GroupKey::text; a browser's HAR has none (the origin
        // stands in, with credentials).
        let (_, credentials) = crate::model::pool::GroupKey::read(&group);
        let (connection, reused) = self.connection(e, id, start, (g, &group, &origin), credentials);
        let open_then = self.starts[g].partition_point(|s| *s <= start);
        let (phases, queueing) = phases(e, start, end, open_then, &host);
        // wirewalk's `_socketQueue` says how long the request waited in its group's queue, the
        // end of its Queueing (-1: it did not); a browser's file does not, and its Queueing is
        // taken as that wait.
        let queueing_end = (phases.iter())
            .take_while(|p| p.name == PhaseName::Queueing)
            .last()
            .map_or(start, |p| p.end);
        let (queued, queued_at) = match e.socket_queue_ms {
            Some(ms) if ms >= 0.0 => (
                true,
                Some(Instant::from_micros(
                    queueing_end
                        .micros()
                        .saturating_sub(us(ms))
                        .max(start.micros()),
                )),
            ),
            Some(_) => (false, None),
            None => (queueing, None),
        };
        let send_start = phases
            .iter()
            .find(|p| p.name == PhaseName::RequestSent || p.name == PhaseName::Waiting)
            .map_or(start, |p| p.start);
        if let Some(c) = connection.and_then(|c| self.connections.get_mut(c as usize - 1)) {
            c.uses.push((id, send_start, end));
        }
        let comparison = parsed
            .as_ref()
            .map(|p| crate::model::policy::compare(page_origin, &p.origin));
        Request {
            id,
            url: e.url.clone(),
            origin: origin.as_str().into(),
            destination: destination(e),
            // The recording's first entry is the page's document, as `documents` says.
            kind: recorded_kind(
                id == 1,
                destination(e),
                parsed.as_ref().is_some_and(|p| p.origin == *page_origin),
                &e.url,
            ),
            method: e.method.clone().into(),
            priority: priority_of(e.priority.as_deref()),
            initiator: "the recording".into(),
            group: group.into(),
            credentials,
            cookie: e.cookie.clone(),
            cookie_note: if e.cookie.is_some() {
                "the Cookie header the browser sent".into()
            } else {
                "no Cookie header in the recording".into()
            },
            protocol: protocol(&e.http_version),
            connection,
            reused,
            queued,
            queued_at,
            from_cache: match e.from_cache.as_deref() {
                Some("memory") => FromCache::Memory,
                Some("disk") => FromCache::Disk,
                _ => FromCache::No,
            },
            start,
            end,
            phases,
            bytes: e.transfer_size.unwrap_or(0),
            outcome: outcome(e, source),
            same_origin: comparison.as_ref().is_some_and(|c| c.same_origin),
            comparison: comparison.map(OriginPart::list).unwrap_or_default(),
            preflight: None,
            preflight_for: None,
            status: e.status,
            body_bytes: e.body_size,
            // A recording's request size is not what the model's engine sent.
            sent_bytes: 0,
            content_type: e.mime.clone().into(),
            response: None,
            extra_headers: vec![],
            messages: recorded_messages(e, self.t0, start),
            websocket: None,
        }
    }

    /// The connection entry `e` (request `id`, from `start`) used, as its id, and whether it
    /// was reused; a new one when this entry opened it. `(g, group, origin)`: its group's index
    /// and text, and its origin.
    fn connection(
        &mut self,
        e: &Entry,
        id: u32,
        start: Instant,
        (g, group, origin): (usize, &str, &str),
        credentials: bool,
    ) -> (Option<u32>, bool) {
        let t = &e.timings;
        let opened_here = t[DNS] >= 0.0 || t[CONNECT] >= 0.0;
        let Some(c) = e.connection.as_deref().filter(|_| e.from_cache.is_none()) else {
            return (None, false);
        };
        match self.conn_ids.get(c) {
            // A socket the recording names: this entry opened it if it waited for its lookup
            // or handshakes. Its first request did not reuse it, even if connected ahead.
            Some(&k) if self.named_sockets => {
                let conn = &mut self.connections[k];
                if opened_here && conn.started_for.is_none() {
                    conn.started_for = Some(id);
                }
                (Some(k as u32 + 1), !conn.uses.is_empty())
            }
            Some(&k) => (Some(k as u32 + 1), true),
            None => {
                self.conn_ids.insert(c.to_string(), self.connections.len());
                let times = if opened_here {
                    opened_at(t, start)
                } else {
                    // A connection seen first on a reused entry is simply there at its start.
                    [start; 4]
                };
                let lane = self.starts[g].len();
                let k = self.starts[g].partition_point(|s| *s <= times[0]);
                self.starts[g].insert(k, times[0]);
                self.connections.push(Connection {
                    id: self.connections.len() as u32 + 1,
                    group: group.to_string(),
                    origin: origin.to_string(),
                    credentials,
                    protocol: protocol(&e.http_version),
                    lane,
                    preconnect: None,
                    started_for: opened_here.then_some(id),
                    start: times[0],
                    dns_end: times[1],
                    tcp_end: times[2],
                    ready: times[3],
                    closed: None,
                    close_reason: String::new(),
                    uses: vec![],
                    inferred: e.connection_inferred,
                });
                (Some(self.connections.len() as u32), !opened_here)
            }
        }
    }
}

/// When a connection an entry opened started, and its lookup, TCP and TLS ended, from the
/// entry's `timings` (`t`) and its start.
fn opened_at(t: &[f64; 8], start: Instant) -> [Instant; 4] {
    let begin = start + Duration::from_micros(us(t[BLOCKED]));
    let dns_end = begin + Duration::from_micros(us(t[DNS]));
    let tcp_end = dns_end + Duration::from_micros(us(t[CONNECT]).saturating_sub(us(t[SSL])));
    [
        begin,
        dns_end,
        tcp_end,
        tcp_end + Duration::from_micros(us(t[SSL])),
    ]
}

/// Entry `e`'s DevTools phases laid end to end from `start` to `end`, each with what the
/// recording says (`open_then`: its origin's connections open at its start; `host`: its host);
/// and whether it queued.
fn phases(
    e: &Entry,
    start: Instant,
    end: Instant,
    open_then: usize,
    host: &str,
) -> (Vec<Phase>, bool) {
    let t = &e.timings;
    let queueing = t[QUEUEING].max(0.0).min(t[BLOCKED].max(0.0));
    let mut phases = Vec::new();
    let mut cursor = start;
    for (name, ms, what, then) in phase_table(e, queueing, open_then, host) {
        if ms > 0.0 {
            let b = (cursor + Duration::from_micros(us(ms))).min(end.max(cursor));
            let why = format!(
                "{what}: {} ms in the recording{then}",
                crate::model::text::decimal(us(ms), 3)
            );
            phases.push(Phase {
                name,
                start: cursor,
                end: b,
                why: why.into(),
            });
            cursor = b;
        }
    }
    // Rounding in the file: the last phase reaches the entry's end.
    if let Some(last) = phases.last_mut() {
        last.end = last.end.max(end);
    }
    if e.queueing_unknown {
        if let Some(first) = phases.first_mut() {
            first.why = format!(
                "{}; how long it waited for a socket before this is not in the file",
                first.why
            )
            .into();
        }
    }
    (phases, queueing > 0.0)
}

/// Each phase of entry `e`: its name, its milliseconds, what the recording says, and what that
/// means.
fn phase_table(
    e: &Entry,
    queueing: f64,
    open_then: usize,
    host: &str,
) -> [(PhaseName, f64, String, String); 8] {
    let t = &e.timings;
    let stalled = t[BLOCKED].max(0.0) - queueing;
    let connect = (t[CONNECT] - t[SSL].max(0.0)).max(0.0);
    let peer = e.server_ip.as_deref().unwrap_or(host);
    let plural = if open_then == 1 { "" } else { "s" };
    let on_wire = match e.transfer_size {
        Some(b) => format!(" ({b} bytes on the wire)"),
        None => format!(
            " ({} bytes of body; the bytes on the wire are not in the recording)",
            e.body_size
        ),
    };
    let waited = e
        .waited
        .as_deref()
        .map_or(String::new(), |w| format!("; {w}"));
    [
        (
            PhaseName::Queueing,
            queueing,
            "queued".into(),
            format!(" (its origin had {open_then} connection{plural} open then)"),
        ),
        (
            PhaseName::Stalled,
            stalled,
            "stalled before it could be sent".into(),
            waited,
        ),
        (
            PhaseName::DnsLookup,
            t[DNS],
            format!("looked up {host}"),
            String::new(),
        ),
        (
            PhaseName::InitialConnection,
            connect,
            format!("TCP handshake with {peer}"),
            ": about one round trip".into(),
        ),
        (
            PhaseName::Ssl,
            t[SSL],
            "TLS handshake".into(),
            String::new(),
        ),
        (
            PhaseName::RequestSent,
            t[SEND],
            "the request left".into(),
            String::new(),
        ),
        (
            PhaseName::Waiting,
            t[WAIT],
            "waited for the first byte".into(),
            ": a round trip plus the server's time".into(),
        ),
        (
            PhaseName::ContentDownload,
            t[RECEIVE],
            "downloaded".into(),
            on_wire,
        ),
    ]
}

/// A WebSocket entry's recorded messages as the waterfall's ticks: each at its time (never
/// before the request started, nor past the hour a replay spans), its bytes those of one
/// unmasked or masked frame carrying it (RFC 6455 §5.2; the file gives payloads only, not
/// framing).
fn recorded_messages(e: &Entry, t0: i64, start: Instant) -> Vec<load::Message> {
    (e.ws_messages.iter())
        .map(|m| {
            let since = m.time_us.saturating_sub(t0).clamp(0, MAX_SPAN_US);
            let at = Instant::from_micros(since as u64).max(start);
            load::Message {
                sent: at,
                at,
                from_page: m.from_page,
                kind: if m.opcode == 1 {
                    load::MessageKind::Text
                } else {
                    load::MessageKind::Binary
                },
                bytes: crate::model::websocket::Frame::wire_len(m.payload, m.from_page),
                happened: None,
            }
        })
        .collect()
}

/// How entry `e` ended, as recorded.
fn outcome(e: &Entry, source: Source) -> Outcome {
    match (&e.error, e.status) {
        (Some(err), _) => Outcome::Failed { error: err.clone() },
        (None, 0) => Outcome::Failed {
            error: "no response was recorded (status 0)".into(),
        },
        (None, s) => Outcome::Ok {
            status: s,
            rule: match source {
                Source::Har => "as recorded (a HAR file holds no same-origin decisions)",
                Source::NetLog => {
                    "as recorded (a NetLog holds the network's side, not the renderer's \
                     same-origin decisions)"
                }
            }
            .into(),
        },
    }
}

/// The page load of the replay, from its parts.
fn finish(
    name: &str,
    (page_url, page_origin): (String, crate::model::url::Origin),
    connections: Vec<Connection>,
    requests: Vec<Request>,
    console: Vec<String>,
    notes: Vec<String>,
    timing: crate::model::navigation::Timing,
) -> PageLoad {
    let groups = load::groups_of(&connections, &requests);
    let mut handshakes: Vec<u64> = connections
        .iter()
        .filter(|c| c.tcp_end > c.dns_end)
        .map(|c| c.tcp_end.micros() - c.dns_end.micros())
        .collect();
    handshakes.sort_unstable();
    let rtt = Duration::from_micros(handshakes.get(handshakes.len() / 2).copied().unwrap_or(0));
    let end = requests
        .iter()
        .map(|r| r.end)
        .max()
        .unwrap_or(Instant::ZERO);
    // The first entry is the page's document, as a browser records it.
    let documents = if requests.is_empty() { vec![] } else { vec![1] };
    PageLoad {
        name: name.to_string(),
        url: page_url,
        page_origin: page_origin.serialize(),
        rtt,
        bandwidth_bps: 0,
        tls: "as recorded",
        requests,
        connections,
        groups,
        console,
        problems: notes,
        end,
        // A HAR records no exchanges: the replay has a waterfall (a WebSocket's messages as
        // ticks) but no handshakes to step.
        trace: Default::default(),
        timing,
        failed: None,
        documents,
        // A recording has no journey page, so no click.
        api: None,
        // A HAR records the network, not the page's main thread.
        main_thread: Vec::new(),
    }
}

/// The Navigation Timing a recording gives: a HAR file's `pageTimings` (`onContentLoad`,
/// `onLoad`) as `domContentLoadedEventStart` and `loadEventStart` after the replay's zero `t0`
/// (epoch µs), drawn on the waterfall as DevTools draws them; the rest stays zero. Says so
/// in `notes`, or that the file has none.
fn page_timing(
    rec: &Recording,
    t0: i64,
    notes: &mut Vec<String>,
) -> crate::model::navigation::Timing {
    let mut timing = crate::model::navigation::Timing::default();
    let Some(p) = &rec.page else {
        if rec.source == Source::Har {
            notes.push("the file has no pageTimings: no DOMContentLoaded or load line".into());
        }
        return timing;
    };
    // Within the hour a replay spans, like the entries' times.
    let after = |ms: Option<f64>| {
        let at = (p.started_us as f64 + ms? * 1000.0 - t0 as f64) / 1000.0;
        (0.0..MAX_SPAN_MS).contains(&at).then_some(at)
    };
    timing.dom_content_loaded_event_start = after(p.on_content_load).unwrap_or(0.0);
    timing.load_event_start = after(p.on_load).unwrap_or(0.0);
    notes.push(format!(
        "DOMContentLoaded and load are the file's pageTimings ({} and {} ms after its page \
         started), not worked out",
        p.on_content_load.map_or("none".into(), |x| x.to_string()),
        p.on_load.map_or("none".into(), |x| x.to_string())
    ));
    timing
}

/// A recorded socket as a connection of the replay, `t0` being the replay's zero (epoch µs).
fn socket_connection(s: &RecordedSocket, id: u32, lane: usize, t0: i64) -> Connection {
    let at = |us: i64| Instant::from_micros(us.saturating_sub(t0).max(0) as u64);
    let (origin, credentials) = crate::model::pool::GroupKey::read(&s.group);
    Connection {
        id,
        group: s.group.clone(),
        origin: origin.to_string(),
        credentials,
        protocol: s.protocol,
        lane,
        preconnect: s
            .preconnect
            .then_some(crate::model::load::Preconnector::Recorded),
        started_for: None,
        start: at(s.start_us),
        dns_end: at(s.dns_end_us),
        tcp_end: at(s.tcp_end_us),
        ready: at(s.ready_us),
        closed: s.closed_us.map(at),
        close_reason: s.close_reason.clone(),
        uses: vec![],
        inferred: false,
    }
}

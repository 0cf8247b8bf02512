//! An HTTP/3 connection's own bytes (RFC 9114) over its QUIC connection
//! ([`crate::model::connection::quic`]): the control stream and the two QPACK streams each side
//! opens once the handshake lets it send, and each request's and response's HEADERS frame,
//! QPACK-coded against the static table ([`crate::model::qpack`]), with the DATA frame's header
//! before a body.
//!
//! Chromium's browser side writes its control stream (2: SETTINGS and a GREASE frame), then its
//! QPACK decoder (6) and encoder (10) streams' type bytes, as soon as the handshake allows
//! (`QuicSpdySession::SendInitialData`); a request goes on the next client-initiated
//! bidirectional stream (0, 4, 8…, RFC 9000 §2.1), its HEADERS frame then, for a body, a DATA
//! frame. The server's own control stream is not modelled: an encoder that uses only the
//! static table needs nothing from its SETTINGS.
//!
//! Responses are sent as soon as they are ready: each is its own stream, and no stream waits
//! for another's bytes (the connection's link and congestion window are still shared). Each
//! response's HEADERS and DATA frames leave in 1-RTT packets round by round
//! ([`Sim::h3_response_packets`]).
//!
//! Left out: the dynamic QPACK table (Chromium allows one of 64 KB, and the server may use
//! it), PRIORITY_UPDATE frames for a raised request (RFC 9218), the server's own control
//! stream, and loss.

use super::*;
use crate::model::http;
use crate::model::http3::{self, stream_type, Frame};
use crate::model::qpack;
use crate::model::trace::{Detail, Field, Wire};

/// The browser's control stream and its QPACK streams (RFC 9114 §6.2, RFC 9204 §4.2).
const CONTROL: u64 = 2;
const QPACK_DECODER: u64 = 6;
const QPACK_ENCODER: u64 = 10;

/// Chromium's QUIC initial congestion window, in packets (quiche's
/// `kInitialCongestionWindow`,
/// https://source.chromium.org/chromium/chromium/src/+/main:net/third_party/quiche/src/quiche/quic/core/quic_constants.h).
pub(super) const QUIC_INITIAL_CWND: u64 = 32;

/// A request's or a response's HEADERS frame on its stream, with its bytes.
#[derive(Clone, Debug)]
pub struct Headers {
    pub stream: u32,
    pub frame: Rc<Wire>,
    /// Bytes of the QPACK field section inside the frame.
    pub section: usize,
}

impl Headers {
    /// The frame's bytes, with a DATA frame's header when a body follows.
    pub fn wire_len(&self, body: u64) -> u64 {
        let data = if body > 0 {
            Frame::Data { len: body }.wire_len() - body
        } else {
            0
        };
        self.frame.bytes.len() as u64 + data
    }

    pub fn fields(&self) -> Vec<Field> {
        vec![
            Field::new(
                "http3",
                format_args!(
                    "HEADERS frame on stream {}: {} bytes, a {}-byte QPACK field section coded with the static table only",
                    self.stream,
                    self.frame.bytes.len(),
                    self.section
                ),
            )
            .spec("RFC 9114 §7.2.2, RFC 9204 §4.5"),
        ]
    }
}

/// `http.control_streams`: the browser's control stream's first bytes.
#[derive(Clone, Debug)]
struct Control {
    settings: Vec<(u64, u64)>,
    bytes: usize,
}

impl Detail for Control {
    fn summary(&self) -> Cow<'static, str> {
        "control stream 2: SETTINGS; QPACK encoder and decoder streams opened".into()
    }

    fn fields(&self) -> Vec<Field> {
        let mut f = vec![Field::new(
            "streams",
            "2 (control), 6 (QPACK decoder), 10 (QPACK encoder): unidirectional, each named by its first byte",
        )
        .spec("RFC 9114 §6.2")];
        for &(id, v) in &self.settings {
            f.push(Field::new(http3::setting_name(id), v));
        }
        f.push(Field::new(
            "grease",
            "one reserved setting and a reserved frame type, which the server must ignore (RFC 9114 §7.2.4.1, §7.2.8)",
        ));
        f.push(Field::new(
            "size",
            format_args!("{} bytes on the control stream", self.bytes),
        ));
        f
    }
}

/// A request's or response's header fields (names in lower case, pseudo-headers first) as a
/// HEADERS frame on `stream`.
pub(super) fn headers_frame(stream: u32, fields: &crate::model::cache::Headers) -> Headers {
    let section = qpack::encode(fields.0.iter().map(|(n, v)| (&**n, &**v)), true);
    let n = section.bytes.len();
    let mut w = crate::model::tls_wire::Writer::default();
    Frame::Headers {
        block: section.bytes,
    }
    .write(&mut w, "headers");
    Headers {
        stream,
        frame: Rc::new(w.into_wire()),
        section: n,
    }
}

impl Sim<'_> {
    /// The QUIC handshake let the browser send: its control stream and QPACK streams leave.
    pub(super) fn h3_open(&mut self, t: Instant, job: u32) {
        let mut rng = Rng::for_purpose(self.situation.seed, &format!("http3 {job}"));
        // The control stream's SETTINGS are its first draws.
        let settings = http3::chromium_settings(&mut rng.clone());
        let wire = http3::chromium_control_stream(&mut rng);
        let n = wire.bytes.len() as u64;
        let Some(j) = self.job_mut(job) else { return };
        let request = j.conn.started_for.unwrap_or(0);
        let control = Control {
            settings,
            bytes: wire.bytes.len(),
        };
        let e =
            Event::described(t, Actor::Browser, steps::HTTP_CONTROL_STREAMS, control).wire(wire);
        let mut out = vec![e];
        out.extend(j.machines.send_stream(t, CONTROL, n, false));
        for (id, typ) in [
            (QPACK_DECODER, stream_type::QPACK_DECODER),
            (QPACK_ENCODER, stream_type::QPACK_ENCODER),
        ] {
            let len = crate::model::quic_packet::varint(typ).len() as u64;
            out.extend(j.machines.send_stream(t, id, len, false));
        }
        for e in out {
            self.push(e.request(request).connection(job));
        }
    }

    /// Request `r`'s response of `http` bytes leaves the server at `ts` on its stream, its
    /// first byte reaching the browser at `first` and its last at `last`, in slow start's
    /// rounds from a window of `cwnd` packets: its 1-RTT packets as each round leaves, and the
    /// browser's acknowledgments as they arrive ([`Connection::quic_response`]).
    pub(super) fn h3_response_packets(
        &mut self,
        (ts, r): (Instant, usize),
        job: u32,
        http: u64,
        (first, last, cwnd): (Instant, Instant, u64),
    ) {
        let Some(id) = self.reqs[r].stream else {
            return;
        };
        let unit = self.unit_of(job);
        let Some(j) = self.job_mut(job).filter(|j| j.machines.is_quic()) else {
            return;
        };
        let wire = j.machines.on_the_wire(http);
        let cuts = http::slow_start_cuts(wire, unit, cwnd);
        let request = r as u32 + 1;
        (j.machines).quic_response(request, u64::from(id), http, (&cuts, first, last));
        self.machine_outputs(ts, job);
    }

    /// Request `r`'s HEADERS frame on stream `stream`.
    pub(super) fn h3_request(&self, stream: u32, r: usize, sent: &Sent) -> Rc<Headers> {
        let q = &self.reqs[r];
        let request = sent.request().0;
        let fields = http::h2_fields(
            &request,
            sent.method(),
            if q.https { "https" } else { "http" },
            http::priority_field(q.priority, q.kind.dest),
        );
        Rc::new(headers_frame(stream, &fields))
    }
}

/// A response's HEADERS frame: the fields HTTP/2 would list, since HTTP/3 forbids the same
/// connection-specific ones (RFC 9114 §4.2, [`http::h2_response_fields`]).
pub(super) fn response_headers(stream: u32, resp: &http::Response) -> Headers {
    headers_frame(stream, &http::h2_response_fields(resp))
}

/// `http.response` over HTTP/3: the head as sent, and its HEADERS frame.
#[derive(Clone, Debug)]
pub struct Response {
    pub head: http::present::Head,
    pub frame: Headers,
}

impl Detail for Response {
    fn summary(&self) -> Cow<'static, str> {
        format!(
            "HEADERS on stream {} (HTTP/3): {} {}",
            self.frame.stream, self.head.status, self.head.reason
        )
        .into()
    }

    fn fields(&self) -> Vec<Field> {
        let mut f = Detail::fields(&self.head);
        f.extend(self.frame.fields());
        f
    }
}

//! Connections already open when the run starts (the scenario's idle keep-alive socket, which an
//! earlier page of the site used): their TCP and TLS handshakes, and whatever that page sent
//! over them, happened before the capture started. The capture picks such a connection up in
//! mid-stream, as Wireshark started on a machine with the socket already open would:
//!
//! - TCP: each side's next sequence number, the browser's timestamp clock and the value it
//!   echoes are the ones the trace's first segment on the connection carries (the engine's TCP
//!   machines chose them); the server's timestamp clock reads that echoed value at time zero.
//!   The round trip is twice the server-to-browser delay of the connection's first response
//!   (the model splits a round trip into two equal halves, to the microsecond).
//! - TLS: application records under secrets drawn from the connection's numbers (TLS 1.3's
//!   traffic secrets, or TLS 1.2's randoms and master secret:
//!   [`super::tls13::Tls::application_only`]), each direction numbered from zero — the earlier
//!   page's records are not in the trace. Nothing in the capture lets Wireshark decrypt them:
//!   the key log names a session by its ClientHello's random, and that ClientHello was sent
//!   before the capture, so the key log has no line for it. The inspector shows the HTTP
//!   message the records carry, as the model knows it. The packets' comments say so.
//!
//! Refused, with a reason: a socket another tab was using when the load started (its download
//! during the run is not in the trace).

use super::tls13::Tls;
use super::{ms, CaptureError, Walk};
use crate::model::connection::{Wrapping, CLIENT_ADDR};
use crate::model::pool::present::{Reuse, Reused};
use crate::model::tcp;
use crate::model::tcp_stream::{Endpoint, Stream};
use crate::model::time::{Duration, Instant};
use crate::model::trace::{Actor, Trace};
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

/// What each packet of a picked-up connection says besides its step: over TLS, and over
/// plain TCP.
pub(super) const NOTE_TLS: &str = "this connection was open before the capture started: its handshake is not in the capture, so Wireshark cannot decrypt its TLS records";
pub(super) const NOTE_TCP: &str =
    "this connection was open before the capture started: its handshake is not in the capture";

const OTHER_TAB: &str =
    "a socket another tab was using when the load started (its download is not in the trace)";

/// The timestamp value a segment echoes, if it has the option.
fn ts_echo(s: &tcp::Segment) -> Option<u32> {
    s.options.iter().find_map(|o| match o {
        tcp::TcpOption::Timestamps { echo, .. } => Some(echo),
        _ => None,
    })
}

/// The server-to-browser delay of connection `c`'s first message from the server.
fn down_delay(trace: &Trace, c: u32) -> Option<Duration> {
    trace.events.iter().find_map(|e| {
        let f = e.flight.as_ref()?;
        (e.connection == Some(c) && f.from == Actor::Server && f.to == Actor::Browser)
            .then(|| f.arrives_at.since(f.sent_at))
    })
}

impl Walk {
    /// Sets up every connection of `trace` that has no SYN in it but carries requests (module
    /// doc).
    pub(super) fn pick_up(&mut self, trace: &Trace) -> Result<(), CaptureError> {
        let opened: BTreeSet<u32> = (trace.events.iter())
            .filter(|e| {
                e.detail::<tcp::present::Shown>()
                    .is_some_and(|s| s.segment.segment.flags.syn && !s.segment.segment.flags.ack)
            })
            .filter_map(|e| e.connection)
            .collect();
        let mut done = BTreeSet::new();
        for e in &trace.events {
            let Some(c) = e
                .connection
                .filter(|c| !opened.contains(c) && !done.contains(c))
            else {
                continue;
            };
            if e.detail::<Reuse>()
                .is_some_and(|r| r.which == Reused::OtherTab)
            {
                return Err(CaptureError::Unsupported(OTHER_TAB));
            }
            let Some(w) = e.detail::<Wrapping>() else {
                continue;
            };
            done.insert(c);
            let down = down_delay(trace, c).ok_or(CaptureError::Internal(
                "a response on a connection open before the run",
            ))?;
            self.picked_up(c, e.at, w, down)?;
        }
        Ok(())
    }

    /// Connection `c` in mid-stream, from the first request's wrapping (its first segment, sent
    /// at `at`).
    fn picked_up(
        &mut self,
        c: u32,
        at: Instant,
        w: &Wrapping,
        down: Duration,
    ) -> Result<(), CaptureError> {
        let seg = &w.first.segment;
        let mut seed = Vec::with_capacity(12);
        seed.extend_from_slice(&seg.src_port.to_be_bytes());
        seed.extend_from_slice(&seg.dst_port.to_be_bytes());
        seed.extend_from_slice(&seg.seq.to_be_bytes());
        seed.extend_from_slice(&seg.ack.to_be_bytes());
        let tls = w.tls.map(|v| Tls::application_only(v, &seed)).transpose()?;
        let server: Ipv4Addr = (w.to.parse())
            .map_err(|_| CaptureError::Internal("the server's address as a dotted quad"))?;
        let echo = ts_echo(seg).unwrap_or(0);
        let client = Endpoint {
            addr: CLIENT_ADDR,
            port: seg.src_port,
            isn: seg.seq,
            ip_id: (seg.seq >> 16) as u16,
            ts_offset: seg.options.timestamp().unwrap_or(0).wrapping_sub(ms(at)),
        };
        let server = Endpoint {
            addr: server,
            port: seg.dst_port,
            isn: seg.ack,
            ip_id: (seg.ack >> 16) as u16,
            ts_offset: echo,
        };
        let k = self.conn(c);
        k.stream = Some(Stream::picked_up(client, server, echo));
        k.tls = tls;
        k.down = down;
        k.rtt = down.times(2);
        k.picked_up = true;
        Ok(())
    }
}

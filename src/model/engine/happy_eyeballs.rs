//! Happy Eyeballs (RFC 8305) as Chromium's `TransportConnectJob` runs it, for a server with
//! both an IPv6 and an IPv4 address: the IPv6 attempt starts first, and if it has not
//! connected 300 ms later (`kIPv6FallbackTime`) the IPv4 attempt starts beside it; the first
//! to connect wins and the other is dropped
//! (https://source.chromium.org/chromium/chromium/src/+/main:net/socket/transport_connect_job.cc,
//! `DoTransportConnect`). Chromium waits for both the A and the AAAA answer before either
//! attempt (`DoResolveHost`), and its delay is fixed, not RFC 8305's adaptive one.
//!
//! Over a working IPv6 path the connection is an IPv6 one from its SYN on: its segments name
//! the IPv6 address, and both sides advertise an MSS of 1,440 (the 40-byte IPv6 header in an
//! Ethernet MTU), so each segment carries 1,428 bytes; the model writes no IPv6 header. Over a broken one the SYN goes nowhere
//! (its event says so and has no arrow), the fallback timer fires, and the IPv4 attempt runs
//! the handshake; the IPv6 attempt's socket, with its own port and sequence number, is
//! dropped when IPv4 connects (no event shows it: it never sent more than its SYN).
//!
//! Left out: the IPv6 attempt's SYN retransmissions (its first falls at 1 s, after the
//! fallback here), the socket pool's 250 ms backup job, QUIC over IPv6, and an IPv6 path that
//! fails fast (an ICMP error starts IPv4 at once).

use super::*;

/// Chromium's `kIPv6FallbackTime` (net/socket/transport_connect_job.h).
pub const FALLBACK: Duration = Duration::from_millis(300);

/// The server's IPv6 address, and whether the path to it carries packets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct V6Path {
    pub addr: std::net::Ipv6Addr,
    pub works: bool,
}

impl Connection {
    /// The SYN leaves at `now` towards the server's IPv6 address: over a working path the
    /// connection goes on over IPv6; over a broken one it is dropped and the fallback timer
    /// is set. Returns whether the caller sends `syn` itself (a working path).
    pub(super) fn syn_v6(&mut self, now: Instant, v6: V6Path, syn: &tcp::Segment) -> bool {
        if v6.works {
            self.to = format!("[{}]", v6.addr).into();
            self.over_v6 = true;
            return true;
        }
        // The IPv6 attempt's own socket: its port and sequence number are not IPv4's.
        let mut attempt = syn.clone();
        attempt.src_port = 49152 + (syn.src_port.wrapping_add(7919) % 16384);
        attempt.seq = syn.seq.rotate_left(13) ^ 0x9e37_79b9;
        let summary = format!(
            "SYN seq={} to [{}]:{}",
            attempt.seq, v6.addr, self.config.port
        );
        let dropped = Field::new("dropped", "the IPv6 path drops it: no answer comes back");
        self.over_v6 = true;
        let mut e = self.segment_event(
            now,
            Side::Server,
            steps::TCP_SYN,
            summary,
            &attempt,
            (attempt.seq, None),
            vec![dropped],
        );
        self.over_v6 = false;
        e.flight = None;
        self.trace(e);
        self.deliver(now + FALLBACK, Side::Client, Payload::Fallback);
        false
    }

    /// The fallback timer fires at `now`: the IPv4 attempt starts beside the silent IPv6 one.
    pub(super) fn fallback_v4(&mut self, now: Instant) {
        let Some(syn) = self.pending_syn.take() else {
            return;
        };
        let v6 = self
            .config
            .v6
            .map(|v| v.addr.to_string())
            .unwrap_or_default();
        let e = Event::new(
            now,
            Actor::Browser,
            steps::TCP_HAPPY_EYEBALLS,
            format!(
                "no answer from [{v6}] after 300 ms, so IPv4 starts too: {}",
                self.to
            ),
        )
        .field_spec(
            "fallback",
            "300 ms after the IPv6 attempt (Chromium's kIPv6FallbackTime); the first to connect wins and the other attempt is dropped",
            "RFC 8305 §5",
        );
        self.trace(e);
        self.send_syn(now, syn);
    }
}

//! A DNS-over-HTTPS lookup in the capture: each question's GET request as the HTTP/2 HEADERS
//! frame the engine coded on the DoH connection, and each answer as its HEADERS frame and the
//! DATA frame that carries the DNS message (RFC 8484 §4.2), inside the connection's TLS
//! records like any HTTP/2 exchange ([`super::connection`]). Wireshark reads the message in the
//! body as DNS (its `application/dns-message` dissector).

use super::{CaptureError, Walk};
use crate::model::http2;
use crate::model::load::{DohAnswered, DohAsked};
use crate::model::trace::Event;

impl Walk {
    /// A question leaves the browser in its request's HEADERS frame.
    pub(super) fn doh_query(&mut self, e: &Event, q: &DohAsked) -> Result<(), CaptureError> {
        let wire = super::connection::h2_wire(&q.headers.frames(), Some(&q.headers.block));
        self.h2_write(q.job, true, e.at, wire, e.step.as_str())
    }

    /// An answer arrives: its HEADERS frame and its body, the DNS message, in DATA frames.
    pub(super) fn doh_answer(&mut self, e: &Event, a: &DohAnswered) -> Result<(), CaptureError> {
        let message = e
            .wire
            .as_ref()
            .ok_or(CaptureError::Internal("a DoH answer's message"))?;
        let mut frames = a.head.frames();
        frames.extend(http2::data_frames(a.head.stream, &message.bytes));
        let wire = super::connection::h2_wire(&frames, Some(&a.head.block));
        let at = e.flight.as_ref().map_or(e.at, |f| f.arrives_at);
        self.h2_write(a.job, false, at, wire, e.step.as_str())
    }
}

//! Server-sent events (HTML §9.2): the `text/event-stream` format a server writes on a response
//! that stays open, and how the browser's `EventSource` reads it.
//!
//! Modelled: the stream as text, decoded as UTF-8 with one leading BOM dropped; lines ended by
//! CRLF, LF or CR; comments (`:` first); the `event`, `data`, `id` and `retry` fields with one
//! space after the colon dropped; an `id` holding U+0000 ignored; `retry` honoured only when it
//! is all ASCII digits (and, as Chromium's `EventSourceParser` does, an empty `retry` restoring
//! the default); a blank line dispatching the event (of type `message` unless `event`
//! named one), the last event ID kept across events; the event the stream ends inside
//! discarded (HTML §9.2.6 "Interpreting an event stream").
//!
//! Left out: decoding errors (the model's streams are Rust strings, so always valid UTF-8) and
//! the `origin` of the dispatched `MessageEvent`.

/// HTML §9.2.3: "the reconnection time ... initially an implementation-defined value, probably
/// in the region of a few seconds"; Blink's `EventSource::kDefaultReconnectDelay` is 3,000 ms
/// (third_party/blink/renderer/modules/eventsource/event_source.h).
pub const DEFAULT_RECONNECT_MS: u64 = 3000;

/// What the browser makes of a stream's text, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// An event is dispatched to the page.
    Event(Dispatched),
    /// `retry:` set the reconnection time, in ms.
    Retry(u64),
}

/// An event the `EventSource` dispatches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dispatched {
    /// Its type: `message` unless the stream named another.
    pub kind: String,
    pub data: String,
    /// The source's last event ID when it fires (what a reconnection sends as `Last-Event-ID`).
    pub last_event_id: String,
}

/// The browser's reader of one connection's stream. Each connection starts a new reader (the
/// buffers are the connection's), but the last event ID lives on in the `EventSource`: pass it
/// to [`Reader::new`].
#[derive(Clone, Debug, Default)]
pub struct Reader {
    /// The text of a line not yet ended.
    line: String,
    /// The previous chunk ended with CR: an LF starting the next one belongs to it.
    after_cr: bool,
    /// The stream's first bytes have been seen (a BOM there is dropped).
    started: bool,
    data: String,
    kind: String,
    id_buffer: String,
    /// The source's last event ID string.
    pub last_event_id: String,
}

impl Reader {
    /// A reader for a new connection of a source whose last event ID is `last_event_id`.
    pub fn new(last_event_id: &str) -> Reader {
        Reader {
            id_buffer: last_event_id.to_string(),
            last_event_id: last_event_id.to_string(),
            ..Reader::default()
        }
    }

    /// Reads the next piece of the stream; returns what the browser does with it.
    pub fn feed(&mut self, text: &str) -> Vec<Item> {
        let mut out = Vec::new();
        let mut text = text;
        if !self.started && !text.is_empty() {
            self.started = true;
            text = text.strip_prefix('\u{feff}').unwrap_or(text);
        }
        for c in text.chars() {
            let after_cr = std::mem::replace(&mut self.after_cr, false);
            match c {
                '\n' if after_cr => {}
                '\r' | '\n' => {
                    self.after_cr = c == '\r';
                    let line = std::mem::take(&mut self.line);
                    self.line_ends(&line, &mut out);
                }
                _ => self.line.push(c),
            }
        }
        out
    }

    /// HTML §9.2.6: one line of the stream.
    fn line_ends(&mut self, line: &str, out: &mut Vec<Item>) {
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => self.kind = value.to_string(),
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
            }
            "id" if !value.contains('\0') => self.id_buffer = value.to_string(),
            // Chromium's parser (event_source_parser.cc): an empty value restores the default,
            // one too large for 64 bits is ignored, as is one with anything but digits.
            "retry" if value.is_empty() => out.push(Item::Retry(DEFAULT_RECONNECT_MS)),
            "retry" if value.bytes().all(|b| b.is_ascii_digit()) => {
                if let Ok(ms) = value.parse() {
                    out.push(Item::Retry(ms));
                }
            }
            _ => {}
        }
    }

    /// A blank line: the event so far is dispatched (HTML §9.2.6 "dispatch the event").
    fn dispatch(&mut self, out: &mut Vec<Item>) {
        self.last_event_id = self.id_buffer.clone();
        let kind = std::mem::take(&mut self.kind);
        if self.data.is_empty() {
            return;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop();
        out.push(Item::Event(Dispatched {
            kind: if kind.is_empty() {
                "message".into()
            } else {
                kind
            },
            data,
            last_event_id: self.last_event_id.clone(),
        }));
    }

    /// Whether an event has begun but not been dispatched: the stream ending now discards it.
    pub fn pending(&self) -> bool {
        !self.data.is_empty() || !self.kind.is_empty() || !self.line.is_empty()
    }
}

/// The bytes one piece of a stream takes on the wire besides its text: over HTTP/1.1 its
/// chunk's size line and CRLF (RFC 9112 §7.1), over HTTP/2 a DATA frame's header (RFC 9113
/// §6.1), over HTTP/3 a DATA frame's type and length (RFC 9114 §7.2.1).
pub fn framing(len: u64, protocol: Framing) -> u64 {
    match protocol {
        Framing::Chunked => hex_digits(len) + 4,
        Framing::H2 => 9,
        Framing::H3 => 1 + crate::model::quic_packet::varint(len).len() as u64,
    }
}

/// How a response's body is framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    Chunked,
    H2,
    H3,
}

fn hex_digits(n: u64) -> u64 {
    u64::from((64 - n.leading_zeros()).div_ceil(4).max(1))
}

/// The last chunk of a chunked body, `0\r\n\r\n` (RFC 9112 §7.1).
pub const LAST_CHUNK: u64 = 5;

/// What the trace shows of an event stream.
pub mod present {
    use super::{Dispatched, Item};
    use crate::model::text::shorten;
    use crate::model::trace::{Detail, Field};
    use std::borrow::Cow;

    /// `sse.event`: what the server wrote and what the browser made of it.
    #[derive(Clone, Debug)]
    pub struct Written {
        pub text: String,
        /// On the wire with its framing.
        pub bytes: u64,
        pub items: Vec<Item>,
        /// Written at once on a reconnection: the event happened while the browser was away,
        /// after the `Last-Event-ID` it sent.
        pub missed: bool,
    }

    impl Detail for Written {
        fn summary(&self) -> Cow<'static, str> {
            let fired: Vec<String> = (self.items.iter())
                .filter_map(|i| match i {
                    Item::Event(d) => Some(describe(d)),
                    Item::Retry(_) => None,
                })
                .collect();
            let what = if fired.is_empty() {
                "nothing fires yet".to_string()
            } else {
                fired.join("; ")
            };
            let missed = if self.missed {
                " (missed while reconnecting)"
            } else {
                ""
            };
            format!("{} bytes of event stream{missed}: {what}", self.bytes).into()
        }

        fn fields(&self) -> Vec<Field> {
            let mut f = vec![Field::new("text", format_args!("{:?}", self.text))];
            for i in &self.items {
                f.push(match i {
                    Item::Event(d) => Field::new("dispatched", describe(d)),
                    Item::Retry(ms) => Field::new("reconnection time", format_args!("{ms} ms")),
                });
            }
            f.push(Field::new(
                "on the wire",
                format_args!("{} bytes", self.bytes),
            ));
            f
        }
    }

    fn describe(d: &Dispatched) -> String {
        let id = if d.last_event_id.is_empty() {
            String::new()
        } else {
            format!(", lastEventId {:?}", d.last_event_id)
        };
        format!("a {} event, data {:?}{id}", d.kind, shorten(&d.data, 60))
    }

    /// `sse.end` and `sse.reconnect`: the stream ended, and when and how the source asks again.
    #[derive(Clone, Debug)]
    pub struct Reconnect {
        pub delay_ms: u64,
        pub last_event_id: String,
        /// It happens after the model stops watching.
        pub unwatched: bool,
        /// The stream ended inside an event, which is discarded.
        pub discarded: bool,
        /// The source asks now (`sse.reconnect`), rather than will (`sse.end`).
        pub now: bool,
    }

    impl Detail for Reconnect {
        fn summary(&self) -> Cow<'static, str> {
            let id = if self.last_event_id.is_empty() {
                "no Last-Event-ID".to_string()
            } else {
                format!("Last-Event-ID: {}", self.last_event_id)
            };
            let later = if self.unwatched {
                " (after the model stops watching)"
            } else {
                ""
            };
            if self.now {
                format!(
                    "{} ms on, the EventSource asks again with {id}",
                    self.delay_ms
                )
                .into()
            } else {
                format!(
                    "the response ends: the EventSource fires error and reconnects in {} ms with {id}{later}",
                    self.delay_ms
                )
                .into()
            }
        }

        fn fields(&self) -> Vec<Field> {
            let mut f = vec![
                Field::new("delay", format_args!("{} ms", self.delay_ms)),
                Field::new(
                    "Last-Event-ID",
                    if self.last_event_id.is_empty() {
                        "(none)"
                    } else {
                        &self.last_event_id
                    },
                ),
            ];
            if self.discarded {
                f.push(Field::note(
                    "discarded",
                    "the stream ended inside an event: it never fires",
                ));
            }
            f
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> Vec<Item> {
        Reader::new("").feed(text)
    }

    fn event(kind: &str, data: &str, id: &str) -> Item {
        Item::Event(Dispatched {
            kind: kind.into(),
            data: data.into(),
            last_event_id: id.into(),
        })
    }

    #[test]
    fn the_specs_examples_dispatch_as_it_says() {
        // HTML §9.2.6's examples.
        assert_eq!(
            events("data: YHOO\ndata: +2\ndata: 10\n\n"),
            [event("message", "YHOO\n+2\n10", "")]
        );
        assert_eq!(
            events(": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n"),
            [
                event("message", "first event", "1"),
                event("message", "second event", ""),
                event("message", " third event", ""),
            ]
        );
        assert_eq!(
            events("data\n\ndata\ndata\n\ndata:"),
            [event("message", "", ""), event("message", "\n", "")]
        );
    }

    #[test]
    fn lines_end_with_cr_lf_or_crlf_even_split_across_pieces() {
        let mut r = Reader::new("");
        assert_eq!(r.feed("event: price\r"), []);
        assert_eq!(r.feed("\ndata: 1\r\r"), [event("price", "1", "")]);
        assert_eq!(r.feed("\ndata: 2\n\n"), [event("message", "2", "")]);
    }

    #[test]
    fn retry_needs_digits_and_an_id_with_nul_is_ignored() {
        assert_eq!(events("retry: 1500\n"), [Item::Retry(1500)]);
        assert_eq!(
            events("retry: 15s\nretry: -1\nretry: 99999999999999999999\n"),
            []
        );
        assert_eq!(
            events("retry: 03000\nretry:\n"),
            [Item::Retry(3000), Item::Retry(3000)]
        );
        assert_eq!(
            events("id: 7\ndata: a\n\nid: x\0y\ndata: b\n\n"),
            [event("message", "a", "7"), event("message", "b", "7")]
        );
    }

    #[test]
    fn a_reconnections_reader_keeps_the_last_id_and_a_bom_goes() {
        let mut r = Reader::new("41");
        assert_eq!(r.feed("\u{feff}data: x\n\n"), [event("message", "x", "41")]);
        // Only the stream's first BOM is dropped: later, it is part of a field's name.
        assert_eq!(r.feed("\u{feff}data: y\n\n"), []);
        assert!(!r.pending());
        r.feed("data: unfinished\n");
        assert!(r.pending());
    }

    #[test]
    fn chunk_framing_counts_hex_digits() {
        assert_eq!(framing(9, Framing::Chunked), 5);
        assert_eq!(framing(16, Framing::Chunked), 6);
        assert_eq!(framing(300, Framing::H3), 3);
    }
}

//! The harness's WebSocket server side (RFC 6455), shared by its HTTP/1.1 upgrade and its
//! HTTP/2 extended CONNECT (RFC 8441): once the handshake is accepted, it writes the
//! scenario's frames at their times ([`super::site::WsPlan`]), answers a ping with a pong, and
//! closes as RFC 6455 §7 asks: it echoes the browser's close and ends its side, or, when it
//! sent the first close, ends its side once the browser's echo has arrived.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use wirewalk::model::websocket::{self as ws, Frame, Opcode};

use super::site::WsPlan;

/// What the server does with what arrived.
#[derive(Debug, PartialEq)]
pub enum Reply {
    /// Write these frame bytes; `end`: they end the server's side (over HTTP/2, END_STREAM).
    Send(Vec<u8>, bool),
    /// End the server's side now (over HTTP/1.1 close the TCP connection; over HTTP/2 an
    /// empty DATA frame with END_STREAM).
    End,
}

/// One accepted WebSocket.
pub struct Session {
    due: VecDeque<(Instant, Vec<u8>, bool)>,
    buf: Vec<u8>,
    server_closed: bool,
    /// Both closes have crossed: nothing more happens.
    pub done: bool,
    /// The opcodes of the browser's frames read so far and not yet taken.
    pub read: Vec<&'static str>,
}

/// The `Sec-WebSocket-Accept` the server answers `key` with.
pub fn accept(key: &str, plan: &WsPlan) -> String {
    plan.accept.clone().unwrap_or_else(|| ws::accept(key))
}

impl Session {
    /// A session whose frames are due `plan`'s times after `t0` (never before now).
    pub fn new(plan: &WsPlan, t0: Instant) -> Session {
        let now = Instant::now();
        let due = (plan.frames.iter())
            .map(|(at_ms, bytes, close)| {
                let at = t0 + Duration::from_secs_f64(at_ms.max(0.0) / 1000.0);
                (at.max(now), bytes.clone(), *close)
            })
            .collect();
        Session {
            due,
            buf: Vec::new(),
            server_closed: false,
            done: false,
            read: Vec::new(),
        }
    }

    /// The frames due by `now`, in order; a close the server starts leaves its side open.
    pub fn due(&mut self, now: Instant) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while self.due.front().is_some_and(|f| f.0 <= now) && !self.server_closed {
            if let Some((_, bytes, close)) = self.due.pop_front() {
                self.server_closed |= close;
                out.push(bytes);
            }
        }
        out
    }

    /// Bytes from the browser arrived: what to answer.
    pub fn received(&mut self, bytes: &[u8]) -> Vec<Reply> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Ok((frame, used)) = ws::decode(&self.buf, 1 << 24) {
            self.buf.drain(..used);
            self.read.push(frame.opcode.name());
            match frame.opcode {
                Opcode::Ping => out.push(Reply::Send(
                    Frame {
                        opcode: Opcode::Pong,
                        mask: None,
                        ..frame
                    }
                    .encode(),
                    false,
                )),
                Opcode::Close if self.server_closed => {
                    out.push(Reply::End);
                    self.done = true;
                }
                Opcode::Close => {
                    let echo = Frame {
                        mask: None,
                        ..frame
                    };
                    out.push(Reply::Send(echo.encode(), true));
                    self.server_closed = true;
                    self.done = true;
                }
                _ => {}
            }
            if self.done {
                break;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browsers_close_is_echoed_and_a_servers_waits_for_the_echo() {
        let mut s = Session::new(&WsPlan::default(), Instant::now());
        let close = Frame::close(1000, "bye", Some([1, 2, 3, 4])).encode();
        let replies = s.received(&close);
        assert_eq!(
            replies,
            [Reply::Send(Frame::close(1000, "bye", None).encode(), true)]
        );
        assert!(s.done);

        let plan = WsPlan {
            accept: None,
            frames: vec![(0.0, Frame::close(1001, "", None).encode(), true)],
            page_close_ms: None,
        };
        let mut s = Session::new(&plan, Instant::now());
        assert_eq!(s.due(Instant::now() + Duration::from_millis(1)).len(), 1);
        let echo = Frame::close(1001, "", Some([9, 9, 9, 9])).encode();
        assert_eq!(s.received(&echo), [Reply::End]);
        // A ping is answered with its payload.
        let mut s = Session::new(&WsPlan::default(), Instant::now());
        let ping = Frame {
            fin: true,
            opcode: Opcode::Ping,
            mask: Some([5, 6, 7, 8]),
            payload: b"hb".to_vec(),
        }
        .encode();
        let pong = Frame {
            fin: true,
            opcode: Opcode::Pong,
            mask: None,
            payload: b"hb".to_vec(),
        };
        assert_eq!(s.received(&ping), [Reply::Send(pong.encode(), false)]);
    }
}

//! A QUIC connection's handshake between the browser and a server, as a sans-IO pair with no
//! clock (RFC 9000, RFC 9001): each side's TLS machine hands its messages to its QUIC endpoint
//! as CRYPTO data in the message's packet-number space (§4.1.4 of RFC 9001: ClientHello and
//! ServerHello in Initial packets, the rest of the handshake in Handshake packets, tickets in
//! 1-RTT packets), the endpoints cut them into packets and datagrams ([`super::quic`]), and a
//! side hands a message to its TLS machine once every byte of it has arrived. The caller
//! (the engine) says when each flight of datagrams arrives.
//!
//! Keys follow the handshake (RFC 9001 §4.1.4): the browser derives its Initial keys from the
//! connection ID it made up; the server its Handshake keys once it sends its ServerHello and its
//! 1-RTT keys once it sends its Finished; the browser its Handshake keys when the ServerHello
//! arrives and its 1-RTT keys when it sends its Finished. The server confirms the handshake
//! with HANDSHAKE_DONE when the browser's Finished arrives (§4.1.2).
//!
//! Sizes are Chromium's and quiche's: the browser's datagrams are 1,250 bytes over IPv4
//! (`kDefaultMaxPacketSize`), its connection ID 8 random bytes and its own empty; a quiche
//! server sends datagrams as large as the client's Initial and, with the 8-byte IDs Chromium
//! uses, takes the browser's Destination Connection ID as its own (quiche's
//! `DeterministicConnectionIdGenerator`); both number packets from one counter starting at 1
//! ([`super::quic::Numbering::QUICHE`]).
//!
//! After the handshake the pair carries streams: [`Handshake::stream`] hands a side's bytes to
//! the other at once (the engine times them), [`Handshake::send`] cuts them into packets the
//! caller delivers one by one with [`Handshake::acknowledge`], which acknowledges every second
//! ack-eliciting packet as it arrives (RFC 9000 §13.2.2).
//!
//! Left out: a rejected certificate (the browser's CONNECTION_CLOSE carrying the TLS alert),
//! loss and retransmission, 0-RTT.

use super::quic::{Config, Datagram, Endpoint, Frame, Numbering, Space};
use super::tls::{self, Message, Output};
use crate::model::cert::{CertError, Verdict};
use std::rc::Rc;

/// Chromium's datagram size over IPv4 (`kDefaultMaxPacketSize`; 20 bytes fewer over IPv6).
pub const CHROMIUM_DATAGRAM: usize = 1250;
/// The length of the browser's Destination Connection ID (`kQuicDefaultConnectionIdLength`).
pub const CID_LEN: usize = 8;

/// Which side a flight goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum To {
    Browser,
    Server,
}

/// A side's CRYPTO streams: the messages it sent in each space with where each ends, and how
/// far the peer's has arrived and been handed over.
#[derive(Default)]
struct Crypto {
    sent: [Vec<(u64, Rc<Message>)>; 3],
    next: [u64; 3],
    arrived: [u64; 3],
    handed: [usize; 3],
}

/// The packet-number space a TLS message travels in (RFC 9001 §4.1.4).
pub fn space_of(m: &Message) -> Space {
    match m {
        Message::ClientHello { .. } | Message::ServerHello { .. } => Space::Initial,
        Message::NewSessionTicket { .. } => Space::Application,
        _ => Space::Handshake,
    }
}

/// One datagram sent, and the TLS messages whose last byte it carries.
#[derive(Clone, Debug)]
pub struct Sent {
    pub datagram: Rc<Datagram>,
    pub completes: Vec<Rc<Message>>,
}

/// What a side did when a flight arrived (or, for the browser, when it started).
#[derive(Clone, Debug, Default)]
pub struct Answer {
    pub sent: Vec<Sent>,
    /// A server that still has bytes to send but has used three times what it received.
    pub held: bool,
    /// The browser may send its request now.
    pub ready: bool,
    /// The browser checked the server's chain.
    pub verified: Option<Rc<Verdict>>,
    pub failed: Option<CertError>,
    /// The server confirmed the handshake (its HANDSHAKE_DONE is among `sent`).
    pub confirmed: bool,
}

/// The browser's and the server's QUIC endpoints and TLS machines.
pub struct Handshake {
    client: Endpoint,
    server: Endpoint,
    tls_client: tls::Client,
    tls_server: tls::Server,
    crypto: [Crypto; 2],
    confirmed: bool,
    /// Ack-eliciting 1-RTT datagrams each side has received since it last acknowledged.
    unacked: [usize; 2],
}

fn side(to: To) -> usize {
    match to {
        To::Browser => 0,
        To::Server => 1,
    }
}

impl Handshake {
    /// A handshake between `tls_client` and `tls_server`, whose configs carry their transport
    /// parameters.
    pub fn new(tls_client: tls::Client, tls_server: tls::Server) -> Handshake {
        let client = Endpoint::new(Config {
            client: true,
            peer_cid_len: CID_LEN,
            local_cid_len: 0,
            max_datagram: CHROMIUM_DATAGRAM,
            numbering: Numbering::QUICHE,
        });
        let server = Endpoint::new(Config {
            client: false,
            peer_cid_len: 0,
            local_cid_len: CID_LEN,
            max_datagram: CHROMIUM_DATAGRAM,
            numbering: Numbering::QUICHE,
        });
        Handshake {
            client,
            server,
            tls_client,
            tls_server,
            crypto: Default::default(),
            confirmed: false,
            unacked: [0; 2],
        }
    }

    /// The browser's first flight: its ClientHello in Initial packets.
    pub fn start(&mut self) -> Answer {
        let mut a = Answer::default();
        self.drain_client(&mut a);
        self.flush(To::Server, &mut a);
        a
    }

    /// A flight of datagrams arrives at `to`; returns what it sends back at once.
    pub fn deliver(&mut self, to: To, flight: &[Rc<Datagram>]) -> Answer {
        let mut a = Answer::default();
        for d in flight {
            match to {
                To::Server => self.server.receive(d),
                To::Browser => self.client.receive(d),
            }
            self.arrive(to, d);
        }
        let done = self.hand_over(to, &mut a);
        if to == To::Server && done && !self.confirmed {
            self.confirmed = true;
            a.confirmed = true;
            self.server.send_handshake_done();
            self.drain_server();
        }
        // The side answers what arrived: the server now that its client's bytes raise its
        // allowance, the browser its acknowledgments and its own flight.
        let back = match to {
            To::Server => To::Browser,
            To::Browser => To::Server,
        };
        self.flush(back, &mut a);
        a
    }

    /// `len` bytes of stream `id` at `offset` (the end of the stream if `fin`) from the side
    /// that sends towards `to`, cut into 1-RTT packets, with the acknowledgments that side
    /// owes; `to`'s endpoint takes them in at once (the caller times their flight, as the TCP
    /// machines' data is accounted).
    pub fn stream(
        &mut self,
        to: To,
        id: u64,
        (offset, len): (u64, usize),
        fin: bool,
    ) -> Vec<Rc<Datagram>> {
        let out = self.send(to, id, (offset, len), fin);
        let rx = match to {
            To::Server => &mut self.server,
            To::Browser => &mut self.client,
        };
        for d in &out {
            rx.receive(d);
        }
        out
    }

    /// `len` bytes of stream `id` at `offset` from the side that sends towards `to`, cut into
    /// 1-RTT packets that are not yet delivered: the caller hands them over as they arrive
    /// ([`Handshake::acknowledge`]).
    pub fn send(
        &mut self,
        to: To,
        id: u64,
        (offset, len): (u64, usize),
        fin: bool,
    ) -> Vec<Rc<Datagram>> {
        let tx = match to {
            To::Server => &mut self.client,
            To::Browser => &mut self.server,
        };
        tx.send_stream(id, offset, len, fin);
        std::iter::from_fn(|| tx.poll_datagram().map(Rc::new)).collect()
    }

    /// Datagram `d` of 1-RTT stream data arrives at `to`, which acknowledges every second
    /// ack-eliciting packet at once (RFC 9000 §13.2.2; quiche's
    /// `kDefaultRetransmittablePacketsBeforeAck` is 2), and with `now` any it still owes;
    /// the acknowledgment reaches the sender at once (the caller times it).
    pub fn acknowledge(&mut self, to: To, d: &Datagram, now: bool) -> Option<Rc<Datagram>> {
        let i = side(to);
        let (rx, tx) = match to {
            To::Server => (&mut self.server, &mut self.client),
            To::Browser => (&mut self.client, &mut self.server),
        };
        rx.receive(d);
        let eliciting = (d.packets.iter().flat_map(|p| &p.frames)).any(Frame::ack_eliciting);
        self.unacked[i] += usize::from(eliciting);
        if self.unacked[i] < 2 && !(now && self.unacked[i] > 0) {
            return None;
        }
        self.unacked[i] = 0;
        let a = rx.poll_datagram()?;
        tx.receive(&a);
        Some(Rc::new(a))
    }

    /// Records the CRYPTO data `d` carries for its receiver `to`.
    fn arrive(&mut self, to: To, d: &Datagram) {
        let c = &mut self.crypto[side(to)];
        for p in &d.packets {
            for f in &p.frames {
                if let Frame::Crypto { offset, len } = f {
                    let i = p.space.index();
                    if *offset <= c.arrived[i] {
                        c.arrived[i] = c.arrived[i].max(offset + *len as u64);
                    }
                }
            }
        }
    }

    /// Hands `to`'s TLS machine every message whose bytes have all arrived, and lets it answer;
    /// returns whether the server has the browser's Finished.
    fn hand_over(&mut self, to: To, a: &mut Answer) -> bool {
        let peer = 1 - side(to);
        let mut finished = false;
        for s in Space::ALL {
            let i = s.index();
            loop {
                let handed = self.crypto[side(to)].handed[i];
                let arrived = self.crypto[side(to)].arrived[i];
                let Some((end, m)) = self.crypto[peer].sent[i].get(handed).cloned() else {
                    break;
                };
                if end > arrived {
                    break;
                }
                self.crypto[side(to)].handed[i] += 1;
                match to {
                    To::Server => {
                        finished |= matches!(*m, Message::Finished { from_client: true });
                        self.tls_server.handle(&m);
                        self.drain_server();
                    }
                    To::Browser => {
                        if matches!(*m, Message::ServerHello { .. }) {
                            self.client.install(Space::Handshake);
                        }
                        self.tls_client.handle(&m);
                        self.drain_client(a);
                    }
                }
            }
        }
        finished
    }

    /// The server's TLS outputs into its CRYPTO streams, with its keys as it makes them.
    fn drain_server(&mut self) {
        while let Some(o) = self.tls_server.poll_output() {
            if let Output::Send(m) = o {
                let done = matches!(m, Message::Finished { from_client: false });
                let hello = matches!(m, Message::ServerHello { .. });
                self.queue(To::Browser, m);
                if hello {
                    self.server.install(Space::Handshake);
                }
                if done {
                    self.server.install(Space::Application);
                }
            }
        }
    }

    /// The browser's TLS outputs: messages into its CRYPTO streams, and what it has learnt.
    fn drain_client(&mut self, a: &mut Answer) {
        while let Some(o) = self.tls_client.poll_output() {
            match o {
                Output::Send(m) => self.queue(To::Server, m),
                Output::ReadyToSend => {
                    a.ready = true;
                    self.client.install(Space::Application);
                }
                Output::Verified(v) => a.verified = Some(v),
                Output::Failed(e) => a.failed = Some(e),
                Output::Keys | Output::Connected { .. } => {}
            }
        }
    }

    /// Queues a message the other side sends towards `to`, in its space's CRYPTO stream.
    fn queue(&mut self, to: To, m: Message) {
        let from = 1 - side(to);
        let s = space_of(&m);
        let i = s.index();
        let len = m.message_len(tls::Version::Tls13);
        let c = &mut self.crypto[from];
        c.next[i] += len;
        c.sent[i].push((c.next[i], Rc::new(m)));
        let endpoint = if from == 0 {
            &mut self.client
        } else {
            &mut self.server
        };
        endpoint.send_crypto(s, len as usize);
    }

    /// Everything the side sending towards `to` has to send now, and the messages each
    /// datagram completes.
    fn flush(&mut self, to: To, a: &mut Answer) {
        let from = 1 - side(to);
        loop {
            let endpoint = if from == 0 {
                &mut self.client
            } else {
                &mut self.server
            };
            let Some(d) = endpoint.poll_datagram() else {
                break;
            };
            let completes = self.completed_by(from, &d);
            a.sent.push(Sent {
                datagram: Rc::new(d),
                completes,
            });
        }
        if from == 1 {
            a.held = self.server.has_crypto_waiting();
        }
    }

    /// The messages of side `from` whose last byte `d` carries.
    fn completed_by(&self, from: usize, d: &Datagram) -> Vec<Rc<Message>> {
        let mut out = Vec::new();
        for p in &d.packets {
            let i = p.space.index();
            for f in &p.frames {
                if let Frame::Crypto { offset, len } = f {
                    let end = offset + *len as u64;
                    out.extend(
                        (self.crypto[from].sent[i].iter())
                            .filter(|(e, _)| *e > *offset && *e <= end)
                            .map(|(_, m)| Rc::clone(m)),
                    );
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::connection::Certs;
    use crate::model::quic_transport;
    use crate::model::rng::Rng;
    use crate::model::scenario::CertChoice;
    use crate::model::tls::{KeyExchange, Version};

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    fn pair() -> Handshake {
        let now = crate::model::scenario::VISIT_UNIX_TIME;
        let certs = Certs::default();
        let params = quic_transport::encode(&quic_transport::chromium_client(&mut Rng::new(3)));
        let client = tls::Client::new(tls::ClientConfig {
            host: "www.example.com".into(),
            alpn: &["h3"],
            verifier: Rc::clone(&certs.verifier),
            now_unix: now,
            ticket: None,
            client_chain: None,
            false_start: false,
            random: "aa".repeat(32),
            key_share: "bb".repeat(32),
            secret: "cc".repeat(48),
            quic: Some(hex(&params)),
        });
        let server = tls::Server::new(tls::ServerConfig {
            h2: false,
            max_version: Version::Tls13,
            kx: KeyExchange::Ecdhe,
            chain: certs.chain("www.example.com", CertChoice::Valid, now),
            request_client_cert: false,
            accept_ticket: true,
            random: "dd".repeat(32),
            key_share: "ee".repeat(32),
            quic: Some("0f08".repeat(10)),
        });
        Handshake::new(client, server)
    }

    fn flight(a: &Answer) -> Vec<Rc<Datagram>> {
        a.sent.iter().map(|s| Rc::clone(&s.datagram)).collect()
    }

    fn names(a: &Answer) -> Vec<&'static str> {
        (a.sent.iter().flat_map(|s| &s.completes))
            .map(|m| tls::present::step(m).as_str())
            .collect()
    }

    /// One round trip of handshake, then the browser's Finished with its request's keys, then
    /// the server's HANDSHAKE_DONE and ticket.
    #[test]
    fn the_handshake_takes_one_round_trip() {
        let mut h = pair();
        let hello = h.start();
        // Chromium's ClientHello (about 1,950 bytes) takes two 1,250-byte datagrams.
        assert_eq!(hello.sent.len(), 2);
        assert!(hello
            .sent
            .iter()
            .all(|s| s.datagram.len == CHROMIUM_DATAGRAM));
        assert_eq!(names(&hello), ["tls.client_hello"]);
        let answer = h.deliver(To::Server, &flight(&hello));
        assert!(!answer.held, "the flight fits three times 2,500 bytes");
        assert_eq!(
            names(&answer),
            [
                "tls.server_hello",
                "tls.encrypted_extensions",
                "tls.certificate",
                "tls.certificate_verify",
                "tls.server_finished"
            ]
        );
        let sent: usize = answer.sent.iter().map(|s| s.datagram.len).sum();
        assert!(sent <= 3 * 2 * CHROMIUM_DATAGRAM, "{sent}");
        let fin = h.deliver(To::Browser, &flight(&answer));
        assert!(
            fin.ready && fin.verified.is_some() && fin.failed.is_none(),
            "{:?} {:?} {:?}",
            fin.ready,
            fin.verified,
            fin.failed
        );
        assert_eq!(names(&fin), ["tls.finished"]);
        let done = h.deliver(To::Server, &flight(&fin));
        assert!(done.confirmed);
        assert_eq!(names(&done), ["tls.new_session_ticket"]);
        let frames: Vec<&Frame> = (done.sent.iter().flat_map(|s| &s.datagram.packets))
            .flat_map(|p| &p.frames)
            .collect();
        assert!(frames.contains(&&Frame::HandshakeDone), "{frames:?}");
    }
}

//! Packet loss on the way down (the scenario's `loss_percent`), and what it costs over TCP and
//! over QUIC: the difference between a connection that delivers one byte stream in order and
//! one that delivers each stream on its own.
//!
//! Each packet of a response's transfer (a TCP segment of the connection's MSS, or a QUIC
//! packet of Chromium's 1,250 bytes) is lost with the scenario's probability, drawn from the
//! connection's own seeded numbers. A lost packet is noticed when the ones after it arrive and
//! resent at once (fast retransmit, RFC 5681 §3.2; QUIC's packet-threshold loss detection, RFC
//! 9002 §6.1.1), so its bytes arrive one round trip after they would have; the sender's window
//! is halved (RFC 5681 §3.2, RFC 9002 §7.3.2).
//!
//! Over TCP the browser gets nothing past a hole until it is filled (RFC 9293 §3.10.7.4): a
//! response whose bytes arrive behind another response's lost segment on the same connection
//! waits for that segment too — every stream of an HTTP/2 connection stalls. Over QUIC a lost
//! packet holds up only the stream whose frames it carried (RFC 9000 §2.2).
//!
//! Left out: timeouts (a loss at the end of a transfer, with nothing after it to reveal it,
//! waits for a probe or an RTO in reality; here it costs the same round trip), losses of the
//! handshakes and of the browser's own packets, losses of a retransmission, the resent bytes' own time on the link, the TCP
//! machines' view (they are handed the bytes as if none were lost, so the browser's
//! acknowledgments do not show the gap), and the capture of a lossy run (it refuses). Beyond
//! 100,000 packets in one response the rest is not drawn packet by packet ([`MAX_DRAWS`]).

use super::*;

/// What loss did to one response's transfer.
pub(super) struct Lossy {
    /// When the browser gets the first and the last byte.
    pub first: Instant,
    pub end: Instant,
    /// The response's own lost packets, the first [`SHOWN`] of them: (packet number within
    /// the response, when its resent copy arrives).
    pub lost: Vec<(u64, Instant)>,
    /// How many it lost in all.
    pub count: u64,
    /// Over TCP, a hole an earlier response left that this one waited behind, until then.
    pub held: Option<Instant>,
}

/// The most loss a scenario may ask for, in percent.
pub const MAX_LOSS_PERCENT: f64 = 50.0;

/// A response's lost packets shown as events, at most (the rest count in its download).
const SHOWN: usize = 32;

/// Packets of one response drawn one by one, at most: past them (a response of more than
/// 140 MB) the rest is taken to lose its last packet when the rate makes a loss likely, so a
/// huge response cannot stall the model.
const MAX_DRAWS: u64 = 100_000;

/// A transfer's packets and when each arrives without loss: its slow-start rounds (`cuts`, in
/// `unit`-byte packets) from `first` to `end`, a round trip apart, each at the link's pace.
struct Arrivals<'a> {
    cuts: &'a [u64],
    unit: u64,
    window: (Instant, Instant),
    rtt: Duration,
    bandwidth: u64,
}

impl Arrivals<'_> {
    /// Draws each packet's fate at probability `p`: the first [`SHOWN`] losses, how many in
    /// all, and when the last resent copy arrives.
    fn draw(&self, rng: &mut Rng, p: f64) -> (Vec<(u64, Instant)>, u64, Option<Instant>) {
        let threshold = (p * f64::from(u32::MAX)) as u32;
        let (first, end) = self.window;
        let last = self.cuts.len().saturating_sub(1);
        let (mut lost, mut count, mut filled) = (Vec::new(), 0u64, None);
        let mut packet = 0u64;
        for (k, &n) in self.cuts.iter().enumerate() {
            // A round's packets arrive one after another from its start, at the link's pace
            // (the last round ends with the last byte).
            let start = (first + self.rtt.times(k as u64)).min(end);
            let stop = if k == last {
                end
            } else {
                (start + Duration::transmission(n, self.bandwidth)).min(end)
            };
            let packets = n.div_ceil(self.unit.max(1));
            if packet >= MAX_DRAWS {
                // Undrawn: the transfer's very last packet stands for the rest's losses.
                packet += packets;
                if k == last && p * (packet - MAX_DRAWS) as f64 >= 1.0 {
                    count += 1;
                    filled = Some(stop + self.rtt);
                }
                continue;
            }
            let span = u128::from(stop.micros().saturating_sub(start.micros()));
            for i in 1..=packets {
                packet += 1;
                if rng.next_u32() >= threshold {
                    continue;
                }
                let offset = (span * u128::from(i) / u128::from(packets)) as u64;
                let resent = start + Duration::from_micros(offset) + self.rtt;
                count += 1;
                filled = Some(resent);
                if lost.len() < SHOWN {
                    lost.push((packet, resent));
                }
            }
        }
        (lost, count, filled)
    }
}

impl Lossy {
    /// The download's explanation, with what loss added to it (`clean`: its end without).
    pub fn why(&self, text: Rc<str>, clean: Instant) -> Rc<str> {
        if self.end == clean {
            return text;
        }
        let mut why = text.to_string();
        if let Some(h) = self.held {
            why.push_str(&format!(
                "; held until {} ms behind a lost segment of an earlier response on the connection (head-of-line blocking)",
                ms(h.since(Instant::ZERO))
            ));
        }
        if self.count > 0 {
            why.push_str(&format!(
                "; {} lost packet{} resent",
                self.count,
                if self.count == 1 { "" } else { "s" }
            ));
        }
        why.push_str(&format!(", {} ms later in all", ms(self.end.since(clean))));
        why.into()
    }
}

impl Sim<'_> {
    /// A response's `wire` bytes leave on `job` with the window at `cwnd`, arriving from
    /// `first` to `end` without loss: which packets are lost, and when the browser gets the
    /// bytes.
    pub(super) fn lose(
        &mut self,
        job: u32,
        (wire, cwnd): (u64, u64),
        (first, end): (Instant, Instant),
    ) -> Lossy {
        let p = self.sc.loss_percent.clamp(0.0, MAX_LOSS_PERCENT) / 100.0;
        let clean = Lossy {
            first,
            end,
            lost: vec![],
            count: 0,
            held: None,
        };
        if p <= 0.0 {
            return clean;
        }
        let (rtt, bandwidth) = (self.rtt, self.bandwidth);
        let (seed, unit) = (self.situation.seed, self.unit_of(job));
        let Some(j) = self.job_mut(job) else {
            return clean;
        };
        let quic = j.machines.is_quic();
        let state = j.loss.get_or_insert_with(|| loss_state(seed, job));
        let cuts = crate::model::http::slow_start_cuts(wire, unit, cwnd);
        let arrivals = Arrivals {
            cuts: &cuts,
            unit,
            window: (first, end),
            rtt,
            bandwidth,
        };
        let (lost, count, filled) = arrivals.draw(&mut state.rng, p);
        // Over TCP an earlier hole still open holds back what arrives before it is filled.
        let hole = state.hole;
        let held = (!quic && hole > first).then_some(hole);
        if !quic {
            state.hole = hole.max(filled.unwrap_or(Instant::ZERO));
        }
        if count > 0 {
            j.cwnd = (j.cwnd / 2).max(2);
        }
        // Its first packet lost: the head of the response waits for the resent copy, over
        // either transport.
        let head = lost.first().filter(|l| l.0 == 1).map(|l| l.1);
        Lossy {
            first: first.max(held.unwrap_or(first)).max(head.unwrap_or(first)),
            end: end.max(filled.unwrap_or(end)).max(held.unwrap_or(end)),
            lost,
            count,
            held,
        }
    }

    /// The events of request `r`'s lost packets on `job`: each when the browser notices it.
    pub(super) fn loss_events(&mut self, r: usize, job: u32, l: &Lossy) {
        let quic = self.job(job).is_some_and(|j| j.machines.is_quic());
        let rtt = self.rtt;
        for &(n, resent) in &l.lost {
            let noticed = Instant::from_micros(resent.micros().saturating_sub(rtt.micros()));
            let (step, what) = if quic {
                (steps::QUIC_LOSS, "packet")
            } else {
                (steps::TCP_LOSS, "segment")
            };
            let e = Event::new(
                noticed,
                Actor::Browser,
                step,
                format!(
                    "{what} {n} of this response lost: resent, it arrives at {} ms",
                    ms(resent.since(Instant::ZERO))
                ),
            )
            .field(
                "effect",
                if quic {
                    "only this stream waits for it: the other streams' packets are delivered as they arrive"
                } else {
                    "TCP hands the browser nothing past the gap until the resent copy arrives, whatever stream the bytes after it belong to"
                },
            )
            .request(r as u32 + 1)
            .connection(job);
            // Noticed later than now: emitted at its moment.
            self.schedule(noticed, Ev::Emit(Box::new(e)));
        }
    }
}

/// The connection's loss draws: its own numbers, apart from the ones its handshakes used.
fn loss_state(seed: u64, job: u32) -> State {
    State {
        rng: Rng::for_purpose(seed, &format!("loss {job}")),
        hole: Instant::ZERO,
    }
}

/// A connection's loss: its draws, and over TCP when its latest hole is filled.
#[derive(Clone, Debug)]
pub(super) struct State {
    rng: Rng,
    hole: Instant,
}

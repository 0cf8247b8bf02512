//! Simulated time. The model never reads a clock: every function that needs the time takes
//! `now: Instant`, and the engine advances it event by event.
//!
//! An [`Instant`] counts microseconds since the scenario started (the navigation's time origin,
//! Navigation Timing's `startTime = 0`). Microseconds keep half a round trip exact for every
//! profile (225 ms / 2 = 112 500 µs) and a transfer time at 1 Gbit/s still non-zero.

use serde::{Serialize, Serializer};
use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// A point in simulated time: microseconds since the navigation started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

/// A span of simulated time, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(u64);

impl Instant {
    pub const ZERO: Instant = Instant(0);

    pub const fn from_micros(us: u64) -> Instant {
        Instant(us)
    }

    pub const fn micros(self) -> u64 {
        self.0
    }

    /// Milliseconds as a float, the unit of `performance.now()` and of the JSON output.
    pub fn as_ms(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// The later of two instants.
    pub fn max(self, other: Instant) -> Instant {
        Instant(self.0.max(other.0))
    }

    /// Time from `earlier` to `self`, or zero if `earlier` is later.
    pub fn since(self, earlier: Instant) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }
}

impl Duration {
    pub const ZERO: Duration = Duration(0);

    pub const fn from_micros(us: u64) -> Duration {
        Duration(us)
    }

    pub const fn from_millis(ms: u64) -> Duration {
        Duration(ms.saturating_mul(1000))
    }

    pub const fn from_secs(s: u64) -> Duration {
        Duration(s.saturating_mul(1_000_000))
    }

    pub const fn micros(self) -> u64 {
        self.0
    }

    pub fn as_ms(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// Half of this span (a one-way trip of a round trip), rounded down to the microsecond.
    pub const fn half(self) -> Duration {
        Duration(self.0 / 2)
    }

    pub const fn times(self, n: u64) -> Duration {
        Duration(self.0.saturating_mul(n))
    }

    /// The time to put `bytes` on a link of `bits_per_second`, rounded up to the microsecond.
    /// A zero bandwidth means "not limited".
    pub fn transmission(bytes: u64, bits_per_second: u64) -> Duration {
        if bits_per_second == 0 {
            return Duration::ZERO;
        }
        let bits = (bytes as u128) * 8 * 1_000_000;
        let us = bits.div_ceil(bits_per_second as u128);
        Duration(u64::try_from(us).unwrap_or(u64::MAX))
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(d.0))
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        self.0 = self.0.saturating_add(d.0);
    }
}

impl Add for Duration {
    type Output = Duration;
    fn add(self, d: Duration) -> Duration {
        Duration(self.0.saturating_add(d.0))
    }
}

impl Sub for Instant {
    type Output = Duration;
    fn sub(self, earlier: Instant) -> Duration {
        self.since(earlier)
    }
}

fn fmt_ms(us: u64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    // Exact decimal formatting from integer microseconds: no float rounding surprises.
    let ms = crate::model::text::decimal(us, 3);
    let point = if ms.contains('.') { "" } else { ".0" };
    write!(f, "{ms}{point} ms")
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_ms(self.0, f)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_ms(self.0, f)
    }
}

/// Serialized as milliseconds (a JSON number), the unit the browser's timing APIs use.
impl Serialize for Instant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_ms())
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_ms())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_and_display() {
        let t = Instant::ZERO + Duration::from_millis(225).half();
        assert_eq!(t.micros(), 112_500);
        assert_eq!(t.to_string(), "112.5 ms");
        assert_eq!(Instant::from_micros(182_000).to_string(), "182.0 ms");
        assert_eq!(Instant::from_micros(1_234).to_string(), "1.234 ms");
        assert_eq!(Instant::ZERO.since(t), Duration::ZERO);
        assert_eq!((t + Duration::from_micros(7)) - t, Duration::from_micros(7));
    }

    #[test]
    fn transmission_time() {
        // 1500 bytes at 10 Mbit/s: 12 000 bits / 10^7 bit/s = 1.2 ms.
        assert_eq!(
            Duration::transmission(1500, 10_000_000),
            Duration::from_micros(1200)
        );
        assert_eq!(
            Duration::transmission(1, 3),
            Duration::from_micros(2_666_667)
        );
        assert_eq!(Duration::transmission(1500, 0), Duration::ZERO);
        assert_eq!(
            Duration::transmission(u64::MAX, 1),
            Duration::from_micros(u64::MAX)
        );
    }
}

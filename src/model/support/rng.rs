//! A small seeded pseudo-random generator (SplitMix64), for the values a real stack draws at
//! random: TCP initial sequence numbers, TLS client and server randoms, session ids.
//!
//! Seeded from the scenario, so the same scenario produces the same bytes every time. It is not
//! for cryptography: nothing in the model is secret. SplitMix64 is Steele, Lea and Flood,
//! "Fast splittable pseudorandom number generators" (OOPSLA 2014).

#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// A generator for one purpose (`"tcp.isn.client"`), independent of the order in which other
    /// purposes draw: the label is hashed into the seed.
    pub fn for_purpose(seed: u64, label: &str) -> Rng {
        // FNV-1a over the label, mixed with the seed.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in label.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        Rng(seed ^ h)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// `n` random bytes, as lower-case hex (how the inspector shows randoms).
    pub fn hex(&mut self, n: usize) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut s = vec![0u8; n * 2];
        // Eight bytes of randomness for each sixteen digits; the last draw's extra bytes unused.
        for chunk in s.chunks_mut(16) {
            let bytes = self.next_u64().to_be_bytes();
            for (pair, b) in chunk.chunks_mut(2).zip(bytes) {
                pair[0] = DIGITS[usize::from(b >> 4)];
                if let Some(low) = pair.get_mut(1) {
                    *low = DIGITS[usize::from(b & 15)];
                }
            }
        }
        // Hex digits are ASCII: the conversion always succeeds.
        String::from_utf8(s).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_independent() {
        let a: Vec<u64> = (0..3).map(|_| Rng::new(7).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut x = Rng::for_purpose(1, "tcp.isn.client");
        let mut y = Rng::for_purpose(1, "tcp.isn.server");
        assert_ne!(x.next_u32(), y.next_u32());
        assert_eq!(Rng::new(1).hex(32).len(), 64);
        // The same digits as formatting each byte would give.
        let mut r = Rng::new(9);
        let words = [r.next_u64(), r.next_u64()];
        let formatted: String = words
            .iter()
            .flat_map(|w| w.to_be_bytes())
            .take(13)
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(Rng::new(9).hex(13), formatted);
    }
}

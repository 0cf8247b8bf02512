//! QUIC transport parameters (RFC 9000 §18), which each side sends inside its TLS handshake
//! (RFC 9001 §8.2: the ClientHello's and the EncryptedExtensions' `quic_transport_parameters`
//! extension, 0x39), and the ones Chromium's client sends.
//!
//! Chromium's values are quiche's `QuicConfig` defaults with Chromium's settings
//! (`InitializeQuicConfig` in net/quic/quic_context.cc; quiche's quic_config.cc):
//! max_idle_timeout 30 s (`kIdleConnectionTimeout`), max_udp_payload_size 1,472
//! (`kMaxIncomingPacketSize`), initial_max_data 15 MiB (`kQuicSessionMaxRecvWindowSize`), each
//! stream's 6 MiB (`kQuicStreamMaxRecvWindowSize`), 100 bidirectional streams
//! (`kDefaultMaxStreamsPerConnection`) and 103 unidirectional ones (100 plus HTTP/3's three
//! static streams), an empty initial_source_connection_id (Chromium's client has no connection
//! ID of its own), max_datagram_frame_size 65,536 (`kMaxAcceptedDatagramFrameSize`),
//! version_information (RFC 9368) naming version 1 and one GREASE version, and one GREASE
//! parameter of 0 to 15 random bytes, and google_connection_options `ORIG` (every ClientHello
//! Chromium 156 sent over QUIC on this machine carries it; see [`super::quic_tls`] for the
//! recording). Parameters equal to their default are not written
//! (ack_delay_exponent 3, max_ack_delay 25 ms), and quiche shuffles the order on every
//! handshake (quiche's transport_parameters.cc,
//! https://source.chromium.org/chromium/chromium/src/+/main:net/third_party/quiche/src/quiche/quic/core/crypto/transport_parameters.cc).
//!
//! Left out: initial_rtt, which Chromium sends only with a cached round-trip time.

use super::quic_packet::{read_varint, varint};
use crate::model::rng::Rng;

/// The parameter ids this model writes or names (RFC 9000 §18.2, RFC 9221, RFC 9368).
pub mod id {
    pub const ORIGINAL_DESTINATION_CONNECTION_ID: u64 = 0x00;
    pub const MAX_IDLE_TIMEOUT: u64 = 0x01;
    pub const STATELESS_RESET_TOKEN: u64 = 0x02;
    pub const MAX_UDP_PAYLOAD_SIZE: u64 = 0x03;
    pub const INITIAL_MAX_DATA: u64 = 0x04;
    pub const INITIAL_MAX_STREAM_DATA_BIDI_LOCAL: u64 = 0x05;
    pub const INITIAL_MAX_STREAM_DATA_BIDI_REMOTE: u64 = 0x06;
    pub const INITIAL_MAX_STREAM_DATA_UNI: u64 = 0x07;
    pub const INITIAL_MAX_STREAMS_BIDI: u64 = 0x08;
    pub const INITIAL_MAX_STREAMS_UNI: u64 = 0x09;
    pub const INITIAL_SOURCE_CONNECTION_ID: u64 = 0x0f;
    pub const VERSION_INFORMATION: u64 = 0x11;
    pub const MAX_DATAGRAM_FRAME_SIZE: u64 = 0x20;
    /// quiche's own parameter: connection options as four-letter tags.
    pub const GOOGLE_CONNECTION_OPTIONS: u64 = 0x3128;
}

/// One parameter: its id and its value's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub id: u64,
    pub value: Vec<u8>,
}

impl Param {
    fn int(id: u64, v: u64) -> Param {
        Param {
            id,
            value: varint(v),
        }
    }

    /// The parameter's name (RFC 9000 §18.2 and the registries'), or "GREASE" for a reserved
    /// id (31 × N + 27, §18.1).
    pub fn name(&self) -> &'static str {
        match self.id {
            id::ORIGINAL_DESTINATION_CONNECTION_ID => "original_destination_connection_id",
            id::MAX_IDLE_TIMEOUT => "max_idle_timeout",
            id::STATELESS_RESET_TOKEN => "stateless_reset_token",
            id::MAX_UDP_PAYLOAD_SIZE => "max_udp_payload_size",
            id::INITIAL_MAX_DATA => "initial_max_data",
            id::INITIAL_MAX_STREAM_DATA_BIDI_LOCAL => "initial_max_stream_data_bidi_local",
            id::INITIAL_MAX_STREAM_DATA_BIDI_REMOTE => "initial_max_stream_data_bidi_remote",
            id::INITIAL_MAX_STREAM_DATA_UNI => "initial_max_stream_data_uni",
            id::INITIAL_MAX_STREAMS_BIDI => "initial_max_streams_bidi",
            id::INITIAL_MAX_STREAMS_UNI => "initial_max_streams_uni",
            id::INITIAL_SOURCE_CONNECTION_ID => "initial_source_connection_id",
            id::VERSION_INFORMATION => "version_information",
            id::MAX_DATAGRAM_FRAME_SIZE => "max_datagram_frame_size",
            id::GOOGLE_CONNECTION_OPTIONS => "google_connection_options",
            i if i % 31 == 27 => "GREASE",
            _ => "unknown",
        }
    }
}

/// Chromium's client parameters for one handshake, GREASE and order drawn from `rng`.
pub fn chromium_client(rng: &mut Rng) -> Vec<Param> {
    const MIB: u64 = 1024 * 1024;
    let mut params = vec![
        Param::int(id::MAX_IDLE_TIMEOUT, 30_000),
        Param::int(id::MAX_UDP_PAYLOAD_SIZE, 1472),
        Param::int(id::INITIAL_MAX_DATA, 15 * MIB),
        Param::int(id::INITIAL_MAX_STREAM_DATA_BIDI_LOCAL, 6 * MIB),
        Param::int(id::INITIAL_MAX_STREAM_DATA_BIDI_REMOTE, 6 * MIB),
        Param::int(id::INITIAL_MAX_STREAM_DATA_UNI, 6 * MIB),
        Param::int(id::INITIAL_MAX_STREAMS_BIDI, 100),
        Param::int(id::INITIAL_MAX_STREAMS_UNI, 103),
        Param {
            id: id::INITIAL_SOURCE_CONNECTION_ID,
            value: Vec::new(),
        },
        Param::int(id::MAX_DATAGRAM_FRAME_SIZE, 65_536),
        Param {
            id: id::GOOGLE_CONNECTION_OPTIONS,
            value: b"ORIG".to_vec(),
        },
        version_information(rng),
        grease(rng),
    ];
    // Fisher-Yates, as quiche's SerializeTransportParameters shuffles.
    for i in (1..params.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        params.swap(i, j);
    }
    params
}

/// A server's parameters as the model sends them: only the two connection IDs every server
/// must echo (RFC 9000 §7.3: the Destination Connection ID of the client's first Initial, and
/// its own Source Connection ID). A real server's limits (quiche's flow-control windows,
/// idle timeout, stateless reset token) are left out.
pub fn server(original_dcid: &[u8], own_cid: &[u8]) -> Vec<Param> {
    vec![
        Param {
            id: id::ORIGINAL_DESTINATION_CONNECTION_ID,
            value: original_dcid.to_vec(),
        },
        Param {
            id: id::INITIAL_SOURCE_CONNECTION_ID,
            value: own_cid.to_vec(),
        },
    ]
}

/// RFC 9368 §3: the chosen version (1), then the versions available — version 1 and a GREASE
/// version (`0x?a?a?a?a`, RFC 9000 §15) at a random place.
fn version_information(rng: &mut Rng) -> Param {
    let grease = (rng.next_u32() & 0xf0f0_f0f0) | 0x0a0a_0a0a;
    let available = if rng.next_u32() % 2 == 0 {
        [1, grease]
    } else {
        [grease, 1]
    };
    let mut value = 1u32.to_be_bytes().to_vec();
    for v in available {
        value.extend_from_slice(&v.to_be_bytes());
    }
    Param {
        id: id::VERSION_INFORMATION,
        value,
    }
}

/// A reserved parameter (RFC 9000 §18.1: an id of 31 × N + 27) with 0 to 15 random bytes.
fn grease(rng: &mut Rng) -> Param {
    let n = rng.next_u64() % ((1 << 62) - 31);
    let len = (rng.next_u32() % 16) as usize;
    let value = (0..len).map(|_| rng.next_u32() as u8).collect();
    Param {
        id: n / 31 * 31 + 27,
        value,
    }
}

/// The parameters' bytes: each id and length as variable-length integers, then the value.
pub fn encode(params: &[Param]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in params {
        out.extend(varint(p.id));
        out.extend(varint(p.value.len() as u64));
        out.extend_from_slice(&p.value);
    }
    out
}

/// The parameters in `b`, or `None` if they do not parse.
pub fn decode(mut b: &[u8]) -> Option<Vec<Param>> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let (id, n) = read_varint(b)?;
        b = &b[n..];
        let (len, n) = read_varint(b)?;
        b = &b[n..];
        let len = usize::try_from(len).ok()?;
        let value = b.get(..len)?.to_vec();
        b = &b[len..];
        out.push(Param { id, value });
    }
    Some(out)
}

/// An integer parameter's value.
pub fn int(p: &Param) -> Option<u64> {
    read_varint(&p.value)
        .filter(|(_, n)| *n == p.value.len())
        .map(|(v, _)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chromiums_parameters_round_trip_and_shuffle() {
        let a = chromium_client(&mut Rng::new(1));
        let b = chromium_client(&mut Rng::new(2));
        assert_eq!(decode(&encode(&a)), Some(a.clone()));
        let ids = |v: &[Param]| v.iter().map(|p| p.id).collect::<Vec<_>>();
        assert_ne!(ids(&a), ids(&b), "the order is drawn");
        let get = |i| a.iter().find(|p| p.id == i).and_then(int);
        assert_eq!(get(id::MAX_IDLE_TIMEOUT), Some(30_000));
        assert_eq!(get(id::INITIAL_MAX_DATA), Some(15_728_640));
        assert_eq!(get(id::INITIAL_MAX_STREAMS_UNI), Some(103));
        // The recorded ClientHellos' parameters: 84 bytes with a 4-byte GREASE value.
        let fixed: usize = (a.iter().filter(|p| p.name() != "GREASE"))
            .map(|p| encode(std::slice::from_ref(p)).len())
            .sum();
        assert_eq!(fixed, 84 - 13);
        let grease: Vec<&Param> = a.iter().filter(|p| p.name() == "GREASE").collect();
        assert_eq!(grease.len(), 1);
        assert!(grease[0].value.len() < 16);
        let v = a
            .iter()
            .find(|p| p.id == id::VERSION_INFORMATION)
            .expect("versions");
        assert_eq!(v.value.len(), 12);
        assert_eq!(v.value[..4], [0, 0, 0, 1]);
        assert!(decode(&[0x40]).is_none(), "a cut id");
        assert!(
            decode(&[0x01, 0x05, 0x00]).is_none(),
            "a value longer than what is left"
        );
    }
}

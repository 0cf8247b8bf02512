//! The wire protocols, one file each: WHATWG URLs, DNS resolution and DNS messages on the wire,
//! IPv4 and UDP headers, TCP as a sans-IO machine and its headers on the wire, TLS as sans-IO
//! machines, TLS 1.3's and TLS 1.2's cryptography, records and handshake messages on the wire,
//! certificates, HTTP/1.1 messages and the modelled server, HTTP/2 frames and HPACK, HTTP/3
//! frames and QPACK, server-sent events' streams, WebSocket's handshake values and frames, QUIC's packets, their protection, an endpoint's packetisation and the transport
//! parameters, and HTTP dates.

pub mod cert;
pub mod dns;
pub mod dns_wire;
pub mod doh;
pub mod hpack;
pub mod http;
pub mod http2;
pub mod http3;
pub mod http_date;
pub mod ip;
pub mod qpack;
pub mod quic;
pub mod quic_conn;
pub mod quic_keys;
pub mod quic_packet;
pub mod quic_present;
pub mod quic_tls;
pub mod quic_transport;
pub mod sse;
pub mod svcb;
pub mod tcp;
pub mod tcp_stream;
pub mod tcp_wire;
pub mod tls;
pub mod tls12_keys;
pub mod tls12_messages;
pub mod tls12_record;
pub mod tls_keys;
pub mod tls_messages;
pub mod tls_record;
pub mod tls_text;
pub mod tls_wire;
pub mod url;
pub mod websocket;
pub mod x509;

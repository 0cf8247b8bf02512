//! wirewalk's native integration tests, one binary with a module per concern.

mod alt_svc;
mod cache_tests;
mod capture;
mod cli;
mod dns_wire;
mod doh;
mod har;
mod hpack_rfc7541;
mod ipv6;
mod journey;
mod loss;
mod netlog;
mod page_events;
mod page_load;
mod pool;
mod properties;
mod psl;
mod purity;
mod quic_capture;
mod quic_chromium;
mod quic_rfc9001;
mod realtime;
mod redirects;
mod snapshot;
mod sse;
mod svg;
mod tcp_wire;
mod tls12_capture;
mod tls13_rfc8448;
mod websocket;
mod websocket_h2;
mod wpt_url;
mod xhr;

#[path = "../common/conformance.rs"]
mod conformance;
pub use conformance::conformance_dir;

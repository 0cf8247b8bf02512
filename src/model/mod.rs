//! The pure model of what a browser does after a URL is typed.
//!
//! Everything under `model` is plain Rust: it builds and tests natively, reads no clock, never
//! iterates a hash map, and names no web crate (a test in `tests/` enforces the last rule). The
//! same input always gives the same output, byte for byte, so the web view and the command line
//! show the same thing.
//!
//! Where to find what, by concern (each module is also re-exported here, so
//! `model::tcp` is `model::protocols::tcp`):
//! - [`engine`]: the discrete-event engine that runs a page load ([`load`]), one connection's
//!   TCP and TLS machines ([`connection`]), the journey as the document's request of a load
//!   ([`journey`]) and the journey page's render and event loop ([`page_run`]);
//! - [`protocols`]: the wire protocols, each in a file named after it: [`url`], [`dns`],
//!   [`tcp`], [`tls`] (with [`tls_text`], its explanations per version), [`http`] (with
//!   [`http_date`]) and the certificates [`cert`];
//! - [`browser`]: the browser's parts: the HTTP [`cache`], the socket [`pool`], the same-origin
//!   [`policy`], the [`cookie`] jar, [`page`] discovery, [`render`], the [`navigation`]'s own
//!   steps and [`site`] (registrable domains);
//! - [`scenarios`]: what a run starts from: the journey's knobs and presets ([`scenario`]) and
//!   the page presets ([`pages`]);
//! - [`reports`]: what a run gives: the [`trace`] and its [`step`] ids, the [`har`] export and
//!   its replay ([`har_replay`]), and the JSON writer ([`json`]);
//! - [`support`]: simulated [`time`], the seeded [`rng`], a [`sorted`] map and [`text`]
//!   helpers.

pub mod browser;
pub mod engine;
pub mod protocols;
pub mod reports;
pub mod scenarios;
pub mod support;

pub use browser::{
    alt_svc, cache, cookie, hsts, https_upgrades, initiator, navigation, omnibox, page, policy,
    pool, predictor, redirect, render, site,
};
pub use engine::{connection, journey, load, page_run};
pub use protocols::{
    cert, dns, dns_wire, doh, hpack, http, http2, http3, http_date, ip, qpack, quic, quic_conn,
    quic_keys, quic_packet, quic_present, quic_tls, quic_transport, sse, svcb, tcp, tcp_stream,
    tcp_wire, tls, tls12_keys, tls12_messages, tls12_record, tls_keys, tls_messages, tls_record,
    tls_text, tls_wire, url, websocket, x509,
};
pub use reports::{capture, har, har_replay, json, netlog, pcapng, step, trace};
pub use scenarios::{pages, realtime, scenario};
pub use support::{rng, sorted, text, time};

/// The URL the page opens on, from the source documents' walk-through of URL parsing.
pub const DEFAULT_URL: &str = "https://www.example.com:443/path/page?query=123#section";

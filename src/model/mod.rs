//! The pure model of what a browser does after a URL is typed.
//!
//! Everything under `model` is plain Rust: it builds and tests natively, reads no clock, never
//! iterates a hash map, and names no web crate (a test in `tests/` enforces the last rule). The
//! same input always gives the same output, byte for byte, so the web view and the command line
//! show the same thing.
//!
//! Stages modelled so far:
//! - [`url`]: WHATWG URL parsing, the components in place, the origin tuple, and errors located
//!   in the typed text.

pub mod cache;
pub mod cert;
pub mod connection;
pub mod cookie;
pub mod dns;
pub mod har;
pub mod har_replay;
pub mod http;
pub mod http_date;
pub mod journey;
pub mod json;
pub mod load;
pub mod navigation;
pub mod page;
pub mod page_run;
pub mod pages;
pub mod policy;
pub mod pool;
pub mod render;
pub mod rng;
pub mod scenario;
pub mod site;
pub mod sorted;
pub mod step;
pub mod tcp;
pub mod text;
pub mod time;
pub mod tls;
pub mod tls_text;
pub mod trace;
pub mod url;

/// The URL the page opens on, from the source documents' walk-through of URL parsing.
pub const DEFAULT_URL: &str = "https://www.example.com:443/path/page?query=123#section";

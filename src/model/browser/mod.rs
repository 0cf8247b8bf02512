//! The browser's parts that sit above the wire: the HTTP cache, the socket pool, the
//! alternative services an origin announces (`Alt-Svc`), the same-origin policy, the cookie jar, finding a page's sub-resources, rendering, the
//! navigation's own steps and who starts it, and sites from the Public Suffix List.

pub mod alt_svc;
pub mod cache;
pub mod cookie;
pub mod hsts;
pub mod https_upgrades;
pub mod initiator;
pub mod navigation;
pub mod omnibox;
pub mod page;
pub mod policy;
pub mod pool;
pub mod predictor;
pub mod redirect;
pub mod render;
pub mod site;

//! The browser's parts that sit above the wire: the HTTP cache, the socket pool, the
//! same-origin policy, the cookie jar, finding a page's sub-resources, rendering, the
//! navigation's own steps, and sites from the Public Suffix List.

pub mod cache;
pub mod cookie;
pub mod navigation;
pub mod page;
pub mod policy;
pub mod pool;
pub mod render;
pub mod site;

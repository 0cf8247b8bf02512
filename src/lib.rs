//! wirewalk: an in-browser visualizer of what a browser does after someone types a URL.
//!
//! The crate has three layers (see `docs/architecture.md`):
//! - [`model`]: a pure, deterministic model of the browser's networking stack. Native and wasm32.
//! - [`timeline`]: the pure view-model: what to draw for a journey at a cursor and a time.
//! - [`link`]: the view in the page's query string (what a shared link restores), pure.
//! - `ui` (wasm32, and natively with `--features ssr` to render the first screen at build
//!   time: [`prerender`]): the Yew front end, a view of the model's output.
//! - `cli` (native only): the `wirewalk` command line.
//!
//! The build-time tools (the static server `make run` and the browser tests use, import
//! shortening, the security policy, precompression) are the `xtask` package beside it.

pub mod embed;
pub mod link;
pub mod model;
pub mod prerender;
pub mod svg;
pub mod timeline;

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;

#[cfg(any(target_arch = "wasm32", feature = "ssr"))]
pub mod ui;

//! wirewalk's build-time tools, kept out of the shipped crate so that neither the CLI nor the
//! web bundle carries Zopfli, SHA-2 or Base64 (`cargo xtask <command>`, see `src/main.rs`):
//! - [`serve`]: the small static server `make run` and the browser tests use;
//! - [`imports`]: shortens the module's import names in the module and its glue;
//! - [`csp`]: moves the start script out of `index.html` and adds the Content-Security-Policy;
//! - [`compress`]: writes a Zopfli `.gz` copy beside each file of the bundle;
//! - [`fidelity`]: loads the page presets in a real Chromium and compares with the model.

pub mod compress;
pub mod csp;
pub mod fidelity;
pub mod imports;
pub mod serve;

//! The web app: mounts wirewalk on the page (see `wirewalk::ui`).

#[cfg(target_arch = "wasm32")]
fn main() {
    wirewalk::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("wirewalk-web is the web bundle: build it with `make build` (Trunk, wasm32)");
    std::process::exit(2);
}

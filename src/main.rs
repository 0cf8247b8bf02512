//! In the browser: mount the app. Natively: the `wirewalk` command line.

#[cfg(target_arch = "wasm32")]
fn main() {
    wirewalk::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let code = wirewalk::cli::run(&args, &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}

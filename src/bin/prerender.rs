//! `wirewalk-prerender FILE`: puts the app's first screen, rendered by Yew's server-side renderer
//! (`wirewalk::ui::prerender`), into the `<body>` of the bundle's `index.html`, marked so the app
//! hydrates it (`make build` runs it; built with `--features ssr`). A second run changes nothing.

use std::future::Future;
use std::pin::pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: wirewalk-prerender dist/index.html");
        return ExitCode::FAILURE;
    };
    let page = match std::fs::read_to_string(&path) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("wirewalk-prerender: cannot read {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let body = block_on(wirewalk::ui::prerender());
    match wirewalk::prerender::insert(&page, &body) {
        Ok(out) => match std::fs::write(&path, out) {
            Ok(()) => {
                println!(
                    "wirewalk-prerender: the first screen ({} bytes) is in {path}",
                    body.len()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("wirewalk-prerender: cannot write {path}: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("wirewalk-prerender: {path}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a future to its end on this thread (the renderer's future waits on nothing but itself).
fn block_on<F: Future>(f: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut f = pin!(f);
    loop {
        match f.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return v,
            Poll::Pending => std::thread::park(),
        }
    }
}

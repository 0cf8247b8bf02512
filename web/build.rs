//! Asks the linker to keep the module's relocations in a wasm32 build: the splitter
//! (scripts/split/wasm-bindgen) reads them to cut the module at its split points
//! (src/ui/lazy.rs). Nothing of them reaches the bundle: wasm-bindgen and wasm-opt drop them.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo::rustc-link-arg-bins=--emit-relocs");
    }
}

# wirewalk: the two commands are `make run` and `make test`. Each installs what is missing first
# (scripts/bootstrap.sh: idempotent, prints what it does, a second run only checks).

SHELL := /bin/bash
PORT ?= 8080
WASM := scripts/wasm-env.sh
WASM_TARGET := wasm32-unknown-unknown

.PHONY: run test setup setup-build build dist serve size bench fuzz fuzz-short fmt-check clippy clippy-wasm test-native test-browser fidelity

## make run: build the size-optimised release bundle and serve it on 127.0.0.1:$(PORT)
run: setup-build build serve

## make test: formatting, clippy (native and wasm32), native tests, a bounded fuzz run (7 targets ×
## 20 s), browser tests on the release bundle
test: setup fmt-check clippy clippy-wasm test-native fuzz-short build test-browser
	@echo "make test: all checks passed"

setup:
	@scripts/bootstrap.sh all

setup-build:
	@scripts/bootstrap.sh build

## the release bundle in dist/ (trunk: opt-level z, LTO, one codegen unit, panic=abort, wasm-opt -Oz),
## cut at its split points (scripts/split/: the parts the first screen does not need load after it),
## with the first screen rendered into index.html (wirewalk-prerender), which the app hydrates
build:
	$(WASM) bash -c 'PATH="$(CURDIR)/scripts/split:$$PATH" exec trunk build --release'
	cargo run --quiet --features ssr --bin wirewalk-prerender -- dist/index.html
	$(WASM) scripts/minify.sh dist
	cargo xtask shorten-imports dist
	cargo xtask secure-bundle dist
	cargo xtask compress-bundle dist

## make dist: the release bundle in dist/, ready for any static host at any path: every asset path is
## relative, and each file has its precompressed .gz copy beside it
dist: setup-build build
	@echo "dist/ is ready: copy it to any folder of a static host (the example tutorial is dist/tutorial/)"

serve:
	cargo xtask serve --dir dist --port $(PORT)

## every file of the bundle with its raw and gzip size
size: setup-build build
	@scripts/size.sh dist

## benchmarks with their budgets: the model (criterion) and the web app in headless Chromium;
## writes target/bench/model.json and target/bench/ui.json
bench: setup build
	@mkdir -p target/bench
	@echo "bench: the model (criterion; its log in target/bench/model.log)"
	@cargo bench --bench model -- --warm-up-time 1 --measurement-time 3 > target/bench/model.log 2>&1
	@echo "bench: the web app in headless Chromium"
	@cargo bench --bench ui

## the page presets loaded in Debian's Chromium from loopback servers, compared with the model
## (docs/fidelity.md); the report is target/fidelity/report.md, and any unexplained difference fails
fidelity:
	@scripts/bootstrap.sh browser
	cargo xtask fidelity

## every fuzz target for FUZZ_SECONDS each (default 300); the corpus stays in target/fuzz/corpus
FUZZ_SECONDS ?= 300
fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)

fuzz-short:
	scripts/fuzz.sh 20

fmt-check:
	cargo fmt --all -- --check
	cargo fmt --all --manifest-path web/Cargo.toml -- --check
	scripts/check-locks.sh

clippy:
	cargo clippy --workspace --all-targets --features wirewalk/ssr -- -D warnings

## both workspaces for wasm32: this one (the model with the real `idna`) and web/ (the bundle's
## build, with its own idna in web/idna)
clippy-wasm:
	$(WASM) cargo clippy --workspace --exclude xtask --target $(WASM_TARGET) -- -D warnings
	$(WASM) cargo clippy --manifest-path web/Cargo.toml --workspace --target $(WASM_TARGET) -- -D warnings

test-native:
	cargo test --lib --bins --test it
	cargo test -p xtask
	cargo test --manifest-path web/Cargo.toml -p idna

test-browser:
	cargo test --test browser

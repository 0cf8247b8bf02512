#!/usr/bin/env bash
# Installs whatever wirewalk needs to build, serve and test, and nothing that is already there.
#
# Two paths (see ../shared/design/TOOLCHAIN.md when it is beside the repository):
#  (a) the rustup toolchain already has the wasm32-unknown-unknown target: use it as it is;
#  (b) a Debian 12 machine whose rustup cannot fetch that target: Debian's rustc-web, with std
#      built from source for wasm32 (build-std), plus the matching clippy and lld.
# On both: wasm-bindgen-cli equal to the pinned crate, trunk 0.21.14, wasm-split-cli, wasm-opt from the npm
# `binaryen` package, Debian's chromium + chromedriver for the browser tests, and Debian's tshark
# and openssl for the capture tests.
#
# Everything comes from the package registries (Debian, crates.io, npm). Tools live in
# $WIREWALK_TOOLS (default ~/.cache/wirewalk-tools), outside the clone, so a fresh clone on the same
# machine reuses them. Run it as often as you like: a second run only checks and prints.
#
# Usage: scripts/bootstrap.sh [build|browser|all]   (default all)
#   build    what `make run` needs (compiler, wasm-bindgen, trunk, wasm-opt)
#   browser  additionally chromium + chromedriver and tshark (what `make test` needs)
set -euo pipefail

what=${1:-all}
here=$(cd "$(dirname "$0")/.." && pwd)
tools=${WIREWALK_TOOLS:-$HOME/.cache/wirewalk-tools}
mkdir -p "$tools/bin"

TRUNK_VERSION=0.21.14
# The splitter that cuts the module into the first screen's part and the parts loaded after it
# (scripts/split/); it must be the release the runtime crate `wasm_split_helpers` pairs with.
WASM_SPLIT_VERSION=0.2.4
BINARYEN_VERSION=132
ESBUILD_VERSION=0.25.12
# The wasm-bindgen CLI must equal the crate pinned in Cargo.toml (`wasm-bindgen = "=X"`).
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = { *version = "=\([0-9.]*\)".*/\1/p; s/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' "$here/Cargo.toml" | head -n1)
if [ -z "$WASM_BINDGEN_VERSION" ]; then
  echo "bootstrap: cannot read the pinned wasm-bindgen version from Cargo.toml" >&2
  exit 1
fi

say() { printf '[bootstrap] %s\n' "$*"; }
t0=$SECONDS
took() { say "  done in $((SECONDS - $1)) s"; }

apt_updated=0
apt_install() {
  # apt_install PKG... : install the Debian packages that are not installed yet.
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    say "missing packages ${missing[*]} and no apt-get here: install them by hand" >&2
    exit 1
  fi
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if [ $apt_updated -eq 0 ]; then
    say "apt-get update"
    $sudo apt-get update -qq
    apt_updated=1
  fi
  say "installing Debian packages: ${missing[*]}"
  local s=$SECONDS
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  took $s
}

# ---- 0. the native toolchain's formatter and linter (make test runs both) ----------------------
command -v cargo >/dev/null || { say "cargo is missing: install Rust with rustup first" >&2; exit 1; }
for comp in rustfmt clippy; do
  sub=$([ $comp = rustfmt ] && echo fmt || echo clippy)
  if cargo "$sub" --version >/dev/null 2>&1; then
    :
  elif command -v rustup >/dev/null; then
    say "adding the rustup component $comp"
    rustup component add "$comp"
  else
    say "cargo $sub is missing and there is no rustup to add it" >&2
    exit 1
  fi
done

# ---- 1. a compiler that can target wasm32 -------------------------------------------------------
sysroot=$(rustc --print sysroot 2>/dev/null || true)
if [ -n "$sysroot" ] && [ -d "$sysroot/lib/rustlib/wasm32-unknown-unknown/lib" ]; then
  say "rustup toolchain has wasm32-unknown-unknown: using it (no build-std)"
  echo rustup > "$tools/wasm-mode"
else
  say "no wasm32 target in the rustup toolchain: Debian rustc-web + build-std"
  apt_install rustc-web cargo-web rust-web-src rust-web-llvm rust-web-clippy lld-22
  echo debian > "$tools/wasm-mode"
fi

# ---- 2. wasm-bindgen-cli == the pinned crate -----------------------------------------------------
have=$("$tools/bin/wasm-bindgen" --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" = "$WASM_BINDGEN_VERSION" ]; then
  say "wasm-bindgen $have present"
else
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 4 min on 2 cores)"
  s=$SECONDS
  # Not --locked: its lock file names a webpki-roots release the registry no longer serves.
  cargo install --quiet --root "$tools" --force "wasm-bindgen-cli@$WASM_BINDGEN_VERSION"
  took $s
fi

# ---- 3. trunk ------------------------------------------------------------------------------------
have=$("$tools/bin/trunk" --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" = "$TRUNK_VERSION" ]; then
  say "trunk $have present"
else
  say "installing trunk $TRUNK_VERSION (about 14 min on 2 cores, once per machine)"
  s=$SECONDS
  cargo install --quiet --root "$tools" --locked --force "trunk@$TRUNK_VERSION"
  took $s
fi

# ---- 3b. wasm-split-cli ---------------------------------------------------------------------------
if [ -x "$tools/bin/wasm-split-cli" ] && [ "$(cat "$tools/wasm-split-version" 2>/dev/null)" = "$WASM_SPLIT_VERSION" ]; then
  say "wasm-split-cli $WASM_SPLIT_VERSION present"
else
  say "installing wasm-split-cli $WASM_SPLIT_VERSION (about 2 min on 2 cores)"
  s=$SECONDS
  cargo install --quiet --root "$tools" --locked --force --features build-binary \
    "wasm_split_cli_support@$WASM_SPLIT_VERSION"
  echo "$WASM_SPLIT_VERSION" > "$tools/wasm-split-version"
  took $s
fi

# ---- 4. tools from npm -----------------------------------------------------------------------------
# npm_tool <package> <version> <binary> <text its --version prints>: installs <package>@<version>
# into $tools/npm unless <binary> already reports that version, and links <binary> into $tools/bin.
npm_tool() {
  local bin="$tools/npm/node_modules/.bin/$3"
  if "$bin" --version 2>/dev/null | grep -qx "$4"; then
    say "$3 ($1 $2) present"
  else
    command -v npm >/dev/null || apt_install nodejs npm
    say "installing $1@$2 from npm"
    local s=$SECONDS
    mkdir -p "$tools/npm"
    npm install --silent --no-audit --no-fund --prefix "$tools/npm" "$1@$2"
    took $s
  fi
  ln -sf "$bin" "$tools/bin/$3"
}
# wasm-opt, which Trunk runs on the module.
npm_tool binaryen "$BINARYEN_VERSION" wasm-opt "wasm-opt version $BINARYEN_VERSION.*"
# esbuild minifies wasm-bindgen's JavaScript glue (Trunk's own minifier cannot parse it).
npm_tool esbuild "$ESBUILD_VERSION" esbuild "$ESBUILD_VERSION"

# ---- 5. a real browser for the tests --------------------------------------------------------------
if [ "$what" != build ]; then
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    say "chromium + chromedriver present ($(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'))"
  else
    apt_install chromium chromium-driver
  fi
  # axe-core is injected into the page by the accessibility test.
  if [ -f "$tools/npm/node_modules/axe-core/axe.min.js" ]; then
    say "axe-core present"
  else
    say "installing axe-core from npm"
    npm install --silent --no-audit --no-fund --prefix "$tools/npm" axe-core@4
  fi
fi

# ---- 6. Wireshark's tshark and OpenSSL: second implementations that open what the model writes -----
# (tests/it/capture.rs: tshark must read every packet, find the checksums right and decrypt TLS with
# the key log inside the file; openssl must verify the certificates' signatures)
if [ "$what" != build ]; then
  if command -v tshark >/dev/null && command -v openssl >/dev/null; then
    say "tshark present ($(tshark --version 2>/dev/null | head -n1)), $(openssl version)"
  else
    apt_install tshark openssl
  fi
fi

say "toolchain ready in $((SECONDS - t0)) s (tools in $tools)"

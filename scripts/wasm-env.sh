#!/usr/bin/env bash
# Runs a command (trunk, cargo clippy ...) with the environment that builds for wasm32 here.
# scripts/bootstrap.sh decides the mode and records it in $WIREWALK_TOOLS/wasm-mode:
#  rustup  the rustup toolchain has the wasm32 target: nothing to change;
#  debian  Debian's rustc-web with std built from source (see TOOLCHAIN.md §1).
# Only wasm builds get these variables: native cargo must never see CARGO_UNSTABLE_BUILD_STD.
set -euo pipefail
tools=${WIREWALK_TOOLS:-$HOME/.cache/wirewalk-tools}
mode=$(cat "$tools/wasm-mode" 2>/dev/null || echo missing)
export PATH="$tools/bin:$PATH"
case "$mode" in
  rustup) ;;
  debian)
    export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD=std,panic_abort
    # std built for size: smaller sort and formatting code (9.5 KB less gzip, measured).
    export CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size
    # Size: no source paths in panic locations, no Debug formatting code (the app never shows
    # Debug output). Only here, where the compiler already runs with unstable features.
    # A panic stops the module at once, with no message formatted (7.3 KB less gzip, measured):
    # the app catches the trap and restarts at the last good view (src/ui/mod.rs, `start`).
    export RUSTFLAGS="${RUSTFLAGS:-} -Zlocation-detail=none -Zfmt-debug=none -Zunstable-options -Cpanic=immediate-abort"
    export PATH="/usr/bin:$PATH"
    ;;
  *)
    echo "wasm-env: the toolchain is not set up: run scripts/bootstrap.sh (make does it)" >&2
    exit 1
    ;;
esac
exec "$@"

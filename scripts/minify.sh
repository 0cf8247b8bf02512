#!/usr/bin/env bash
# Minifies the bundle's JavaScript in place with esbuild (scripts/bootstrap.sh installs it; Trunk's
# own minifier cannot parse wasm-bindgen's glue). `cargo xtask shorten-imports` and
# `cargo xtask secure-bundle` run next; the second rewrites the integrity hashes in index.html.
set -euo pipefail
dir=${1:-dist}
for f in "$dir"/*.js; do
  [ -e "$f" ] || continue
  esbuild "$f" --minify --format=esm --allow-overwrite --outfile="$f" --log-level=warning
done

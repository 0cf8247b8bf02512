#!/usr/bin/env bash
# The web bundle is built from its own workspace (web/, with its own Cargo.lock) so that it alone
# can replace `idna`. This checks that every crate the web lock file names, at the version it
# names, is in the main Cargo.lock too: the bundle runs the code the native tests check. To fix a
# difference, run `cargo update -p <crate> --precise <version>` in web/.
set -euo pipefail
cd "$(dirname "$0")/.."
versions() {
  # "name version" of each package from the registry (path crates differ by design: web/idna).
  awk '/^\[\[package\]\]/{n="";v=""} /^name = /{n=$3} /^version = /{v=$3} /^source = "registry/{print n, v}' "$1" | tr -d '"' | sort -u
}
missing=$(comm -13 <(versions Cargo.lock) <(versions web/Cargo.lock))
if [ -n "$missing" ]; then
  echo "check-locks: web/Cargo.lock has crates at versions Cargo.lock does not:" >&2
  echo "$missing" >&2
  exit 1
fi
echo "check-locks: the $(versions web/Cargo.lock | wc -l) crates of web/Cargo.lock are at the versions of Cargo.lock"

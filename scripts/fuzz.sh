#!/usr/bin/env bash
# Builds the fuzz targets in fuzz/ with libFuzzer and runs each for SECONDS (default 20).
#   scripts/fuzz.sh [SECONDS] [TARGET...]
# `make test` runs it bounded (7 targets × 20 s, two at a time: about 80 s on two cores);
# `make fuzz` runs it for longer. The instrumentation is cargo-fuzz's (SanitizerCoverage with
# inline 8-bit counters, compare tracing, debug assertions and overflow checks on); no nightly
# compiler is needed because no sanitizer is used: the targets look for panics, which Rust's
# own checks turn into crashes. The corpus grows in target/fuzz/corpus/<target>, seeded from
# fuzz/seeds/<target>; a crash is saved in target/fuzz/artifacts/<target>/ and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(url page_html page_json link knobs har wire)
fi
out=$PWD/target/fuzz
export CARGO_TARGET_DIR=$out/build
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
echo "fuzz: building ${targets[*]}"
bins=()
for t in "${targets[@]}"; do bins+=(--bin "$t"); done
# An explicit --target keeps the instrumentation off build scripts and proc macros.
host=$(rustc -vV | sed -n 's/^host: //p')
cargo build --quiet --release --target "$host" --manifest-path fuzz/Cargo.toml "${bins[@]}"
bin_dir=$CARGO_TARGET_DIR/$host/release

run_one() {
  local t=$1
  mkdir -p "$out/corpus/$t" "$out/artifacts/$t"
  local log=$out/$t.log
  # -timeout: one input taking over 10 s is a hang, reported as a crash.
  if "$bin_dir/$t" "$out/corpus/$t" "fuzz/seeds/$t" -max_total_time="$secs" -timeout=10 \
      -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$out/artifacts/$t/" >"$log" 2>&1; then
    local runs
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    echo "fuzz: $t: ${runs:-?} inputs in ${secs} s, no crash (corpus: $(ls "$out/corpus/$t" | wc -l) files)"
  else
    echo "fuzz: $t: FAILED; the last lines of $log:" >&2
    tail -40 "$log" >&2
    echo "fuzz: reproduce with: $bin_dir/$t $out/artifacts/$t/<crash file>" >&2
    return 1
  fi
}

# Two at a time: this machine has two cores.
status=0
pids=()
for t in "${targets[@]}"; do
  run_one "$t" & pids+=($!)
  if [ ${#pids[@]} -ge 2 ]; then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || status=1; done
exit $status

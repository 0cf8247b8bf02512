#!/usr/bin/env bash
# Prints every file of the built bundle with its raw size, its gzip -9 size, and the size of the
# precompressed copy `cargo xtask serve` sends (<file>.gz, gzip by Zopfli; see xtask/src/compress.rs).
set -euo pipefail
dir=${1:-dist}
[ -f "$dir/index.html" ] || { echo "size: $dir/index.html is missing: build first (make size does)" >&2; exit 1; }
printf '%-44s %10s %10s %10s\n' file raw gzip-9 served
raw_total=0; gz_total=0; served_total=0
while IFS= read -r f; do
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  if [ -f "$f.gz" ]; then served=$(stat -c %s "$f.gz"); else served=$raw; fi
  raw_total=$((raw_total + raw)); gz_total=$((gz_total + gz)); served_total=$((served_total + served))
  printf '%-44s %10d %10d %10d\n' "${f#"$dir"/}" "$raw" "$gz" "$served"
done < <(find "$dir" -maxdepth 1 -type f ! -name '*.gz' | LC_ALL=C sort)
printf '%-44s %10d %10d %10d\n' TOTAL "$raw_total" "$gz_total" "$served_total"
awk -v r="$raw_total" -v g="$gz_total" -v s="$served_total" \
  'BEGIN { printf "total: %.1f KB raw, %.1f KB gzip -9, %.1f KB as served (gzip by Zopfli)\n", r / 1000, g / 1000, s / 1000 }'

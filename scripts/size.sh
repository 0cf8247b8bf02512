#!/usr/bin/env bash
# Prints every file of the built bundle with its raw and gzip (-9) size, and the totals.
set -euo pipefail
dir=${1:-dist}
[ -f "$dir/index.html" ] || { echo "size: $dir/index.html is missing: build first (make size does)" >&2; exit 1; }
printf '%-52s %12s %12s\n' file raw gzip
raw_total=0; gz_total=0
while IFS= read -r f; do
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  raw_total=$((raw_total + raw)); gz_total=$((gz_total + gz))
  printf '%-52s %12d %12d\n' "${f#"$dir"/}" "$raw" "$gz"
done < <(find "$dir" -type f | LC_ALL=C sort)
printf '%-52s %12d %12d\n' TOTAL "$raw_total" "$gz_total"
awk -v r="$raw_total" -v g="$gz_total" 'BEGIN { printf "total: %.1f KB raw, %.1f KB gzip\n", r / 1000, g / 1000 }'

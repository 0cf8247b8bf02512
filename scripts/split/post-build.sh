#!/usr/bin/env bash
# Trunk's post_build hook (Trunk.toml): puts the parts scripts/split/wasm-bindgen cut from the
# module beside the bundle, each optimised for size and named after a hash of its bytes, as Trunk
# names its own files (a part never outlives the build it was cut from: a cached one from an
# older build would not fit the new first module). The loader `__wasm_split.js` fetches the
# parts from its own folder and imports the bundle's glue, whose name Trunk hashed.
set -euo pipefail
parts="$TRUNK_SOURCE_DIR/web/target/wasm-bindgen/$TRUNK_PROFILE/wasm_split"
stage=$TRUNK_STAGING_DIR
[ -d "$parts" ] || { echo "split/post-build: no parts in $parts" >&2; exit 1; }
digest() { sha256sum "$1" | cut -c1-16; }
glue=$(cd "$stage" && ls wirewalk-*.js | head -n1)
[ -n "$glue" ] || { echo "split/post-build: no wirewalk-*.js in $stage" >&2; exit 1; }
loader=$(mktemp)
sed "s#\"\./wirewalk\.js\"#\"./$glue\"#" "$parts/__wasm_split.js" > "$loader"
grep -q "\"./$glue\"" "$loader" || { echo "split/post-build: the loader does not import ./wirewalk.js" >&2; exit 1; }
# split_<part>.wasm for each part, chunk_<n>.wasm for code two parts share.
for f in "$parts"/*.wasm; do
  name=$(basename "$f" .wasm)
  [ "$name" = wirewalk ] && continue
  # Not --zero-filled-memory: a part is instantiated into memory the first module already uses.
  wasm-opt -Oz "$f" -o "$stage/$name.wasm" 2> >(grep -v 'unknown name subsection' >&2)
  h=$(digest "$stage/$name.wasm")
  mv "$stage/$name.wasm" "$stage/$name-$h.wasm"
  sed -i "s#\"\./$name\.wasm\"#\"./$name-$h.wasm\"#g" "$loader"
  grep -q "$name-$h.wasm" "$loader" || { echo "split/post-build: the loader does not name $name.wasm" >&2; exit 1; }
done
h=$(digest "$loader")
mv "$loader" "$stage/__wasm_split-$h.js"
chmod 644 "$stage/__wasm_split-$h.js"
# Only the import statement: the module's import object keeps the name the module imports.
sed -i -E "s#(from ?)\"\./__wasm_split\.js\"#\1\"./__wasm_split-$h.js\"#g" "$stage/$glue"
grep -q "__wasm_split-$h.js" "$stage/$glue" || { echo "split/post-build: the glue does not import the loader" >&2; exit 1; }

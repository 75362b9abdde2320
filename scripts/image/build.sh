#!/usr/bin/env bash
# `pnpm image`: builds deploy/Dockerfile — the very file users give `docker build` — offline with
# buildah, on a base image made here from Debian packages (mmdebstrap), and writes an OCI archive.
# Prints the image reference on stdout (progress on stderr); the archive's path and the reference
# are also written to out/image/latest.env for `pnpm k8s:up`.
#
# Base image: Debian bookworm's nodejs is 18 and the project needs Node 20, so the base gets this
# machine's own Node (the binary plus its npm, copied in deliberately) on a minimal bookworm root
# filesystem. It is built once per Node version and kept in buildah's local storage.
# The build stage fetches the npm packages of pnpm-lock.yaml from the npm registry (no container
# registry is involved), with the pnpm store as a cache mount.
set -euo pipefail
cd "$(dirname "$0")/../.."
log() { echo "[image] $*" >&2; }
started=$SECONDS

for tool in buildah mmdebstrap; do
  command -v "$tool" >/dev/null || { log "error WEIR_IMAGE_TOOL: $tool is missing (bash scripts/setup.sh --test installs it)"; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { log "error WEIR_IMAGE_ROOT: buildah and mmdebstrap run as root here"; exit 1; }

node_bin=$(command -v node)
node_version=$(node --version)
case "$node_version" in v20.*) ;; *) log "error WEIR_IMAGE_NODE: the base needs Node 20, this machine has $node_version"; exit 1 ;; esac
npm_dir=$(dirname "$(readlink -f "$(command -v npm)")")/..
base="localhost/weir-base:node-$node_version"

if ! buildah images --quiet "$base" >/dev/null 2>&1; then
  cache="${WEIR_CACHE:-$HOME/.cache/weir}/image"
  mkdir -p "$cache"
  rootfs="$cache/base-node-$node_version.rootfs"
  log "making the base image $base: Debian bookworm (mmdebstrap, minbase) + Node $node_version from this machine"
  rm -rf "$rootfs"
  # This machine's own CAs (/usr/local/share/ca-certificates: e.g. an egress proxy's) go into the
  # base too, so the build stage reaches the npm registry as this machine does.
  local_cas=()
  for ca in /usr/local/share/ca-certificates/*.crt; do
    [ -f "$ca" ] && local_cas+=(--customize-hook="copy-in $ca /usr/local/share/ca-certificates")
  done
  # Node's shared libraries (libstdc++, libgcc) and CA certificates come from Debian.
  nice -n 10 mmdebstrap --quiet --variant=minbase --include=ca-certificates,libstdc++6 \
    --customize-hook="copy-in $node_bin /usr/bin" \
    --customize-hook="mkdir -p \"\$1/usr/lib/node_modules\"" \
    --customize-hook="copy-in $(readlink -f "$npm_dir") /usr/lib/node_modules" \
    --customize-hook="chroot \"\$1\" ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/bin/npm" \
    --customize-hook="chroot \"\$1\" ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/bin/npx" \
    --customize-hook="mkdir -p \"\$1/usr/local/share/ca-certificates\"" \
    "${local_cas[@]}" \
    --customize-hook="chroot \"\$1\" update-ca-certificates --fresh >/dev/null" \
    --customize-hook="rm -rf \"\$1\"/usr/share/doc \"\$1\"/usr/share/man \"\$1\"/var/cache/apt \"\$1\"/var/lib/apt/lists" \
    bookworm "$rootfs" http://deb.debian.org/debian >&2
  ctr=$(buildah from --quiet scratch)
  buildah add --quiet "$ctr" "$rootfs" / >/dev/null
  # Node trusts its own bundled roots unless told to read the system's too.
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt --cmd '["node"]' "$ctr"
  buildah commit --quiet --rm "$ctr" "$base" >/dev/null
  rm -rf "$rootfs"
  log "base image ready ($((SECONDS - started)) s)"
fi

# The tag names the content the image is built from, so an unchanged tree is not rebuilt.
inputs=(deploy/Dockerfile .dockerignore package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc tsconfig.base.json patches shared services scripts/image/bundle.ts scripts/image/service-entry.ts scripts/image/topics-main.ts scripts/image/replay-main.ts scripts/image/cli-command.ts models/default)
tag=$( (echo "$base"; git ls-files -z --cached --others --exclude-standard -- "${inputs[@]}" | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-12)
ref="docker.io/local/weir:$tag"
out=out/image
archive="$out/weir-$tag.oci.tar"
mkdir -p "$out"

if [ -f "$archive" ]; then
  log "$ref is up to date ($archive)"
else
  log "building deploy/Dockerfile on $base"
  nice -n 10 buildah build --quiet --layers --network host --build-arg "BASE_IMAGE=$base" \
    -f deploy/Dockerfile -t "$ref" . >&2
  rm -f "$archive.partial"
  buildah push --quiet "$ref" "oci-archive:$archive.partial:$ref" >&2
  mv "$archive.partial" "$archive"
  find "$out" -name 'weir-*.oci.tar' ! -name "weir-$tag.oci.tar" -delete
fi
printf 'WEIR_IMAGE=%s\nWEIR_IMAGE_ARCHIVE=%s\n' "$ref" "$(pwd)/$archive" > "$out/latest.env"
size=$(buildah images --format '{{.Size}}' "$ref" 2>/dev/null | sed -n 1p || true)
log "image $ref: ${size:-?} unpacked, archive $(du -h "$archive" | cut -f1) (compressed layers); $((SECONDS - started)) s"
echo "$ref"

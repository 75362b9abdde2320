#!/usr/bin/env bash
# Builds KEDA's operator and metrics API server from the Go module proxy, once, into
# ~/.cache/weir/k8s/keda-<version> (its go.mod's replaces all name published versions, so a copy
# of the module directory builds as it is). Also keeps its CRDs from the module. Prints the
# directory on stdout; progress on stderr. Runs under `nice`.
set -euo pipefail
KEDA_VERSION="${WEIR_KEDA_VERSION:-v2.16.1}"
CACHE="${WEIR_K8S_CACHE:-$HOME/.cache/weir/k8s}"
OUT="$CACHE/keda-$KEDA_VERSION"
log() { echo "[k8s:keda] $*" >&2; }
# Every CRD the operator watches, eventing.keda.sh's too: without CloudEventSource's its cache
# never syncs and it exits after two minutes.
crds_complete() { [ -f "$OUT/crds.yaml" ] && grep -q 'name: cloudeventsources.eventing.keda.sh' "$OUT/crds.yaml"; }
if [ -x "$OUT/keda" ] && [ -x "$OUT/keda-adapter" ] && crds_complete; then echo "$OUT"; exit 0; fi
mkdir -p "$CACHE"
exec 9>"$CACHE/keda.lock"
flock 9
started=$SECONDS
dir=$(go mod download -json "github.com/kedacore/keda/v2@$KEDA_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
[ -n "$dir" ] || { log "error WEIR_KEDA_DOWNLOAD: go mod download gave no directory"; exit 1; }
work="$CACHE/keda-build-$KEDA_VERSION"
if [ ! -f "$work/go.mod" ]; then
  rm -rf "$work.tmp" && cp -r "$dir" "$work.tmp" && chmod -R u+w "$work.tmp" && mv "$work.tmp" "$work"
fi
mkdir -p "$OUT.partial"
# The admission webhooks (./cmd/webhooks) are left out: they only validate objects early.
ldflags="-s -w -X github.com/kedacore/keda/v2/version.Version=${KEDA_VERSION#v}"
for target in keda:operator keda-adapter:adapter; do
  binary=${target%%:*}
  if [ -x "$OUT/$binary" ]; then cp "$OUT/$binary" "$OUT.partial/$binary"; continue; fi
  log "building KEDA $KEDA_VERSION ./cmd/${target#*:} (many minutes the first time: every scaler's SDK)"
  (cd "$work" && CGO_ENABLED=0 GOFLAGS=-mod=mod nice -n 15 go build -trimpath -ldflags "$ldflags" -o "$OUT.partial/$binary" "./cmd/${target#*:}")
done
for crd in "$work"/config/crd/bases/*.yaml; do cat "$crd"; echo '---'; done >"$OUT.partial/crds.yaml"
rm -rf "$OUT" && mv "$OUT.partial" "$OUT"
log "built in $((SECONDS - started))s"
echo "$OUT"

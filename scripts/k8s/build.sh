#!/usr/bin/env bash
# Builds the Kubernetes binaries the local cluster needs from the Go module proxy, once, into
# ~/.cache/weir/k8s/bin-<version> (keyed by version, so a second run returns at once):
# kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy, kubectl and helm.
# k8s.io/kubernetes cannot be `go install`ed (its go.mod replaces the staging modules with local
# paths), so the module is copied out of the module cache and its replaces point at the published
# k8s.io/* modules of the same version. Runs under `nice` (the machines are shared).
# Prints the binaries' directory on stdout; progress on stderr.
set -euo pipefail

K8S_VERSION="${WEIR_K8S_VERSION:-v1.34.4}"
HELM_VERSION="${WEIR_HELM_VERSION:-v3.19.5}"
CACHE="${WEIR_K8S_CACHE:-$HOME/.cache/weir/k8s}"
BIN="$CACHE/bin-$K8S_VERSION-helm-$HELM_VERSION"
log() { echo "[k8s:build] $*" >&2; }

want=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl helm)
missing=()
for b in "${want[@]}"; do [ -x "$BIN/$b" ] || missing+=("$b"); done
if [ ${#missing[@]} -eq 0 ]; then echo "$BIN"; exit 0; fi

command -v go >/dev/null || { log "error WEIR_K8S_NO_GO: Go is needed to build Kubernetes (go.dev toolchain >= 1.24)"; exit 1; }
mkdir -p "$CACHE"
exec 9>"$CACHE/build.lock"
flock 9
work="$CACHE/build-$K8S_VERSION"
staging="$BIN.partial"
mkdir -p "$staging"
export CGO_ENABLED=0 GOFLAGS=-mod=mod
started=$SECONDS

kube=()
for b in "${missing[@]}"; do [ "$b" = helm ] || kube+=("$b"); done
if [ ${#kube[@]} -gt 0 ]; then
  if [ ! -f "$work/go.mod" ]; then
    log "downloading k8s.io/kubernetes@$K8S_VERSION from the Go module proxy"
    dir=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
    [ -n "$dir" ] || { log "error WEIR_K8S_DOWNLOAD: go mod download gave no directory"; exit 1; }
    rm -rf "$work.tmp" && cp -r "$dir" "$work.tmp" && chmod -R u+w "$work.tmp"
    rm -rf "$work.tmp/vendor" "$work.tmp/go.work" "$work.tmp/go.work.sum"
    # ./staging/src/k8s.io/X => the published k8s.io/X v0.<minor>.<patch>
    staging_version="v0.${K8S_VERSION#v1.}"
    sed -i -E "s#=> \./staging/src/(k8s\.io/[a-z0-9-]+)#=> \1 $staging_version#" "$work.tmp/go.mod"
    mv "$work.tmp" "$work"
  fi
  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  pkg=k8s.io/component-base/version
  cgo=k8s.io/client-go/pkg/version
  ldflags="-s -w -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  ldflags+=" -X $cgo.gitVersion=$K8S_VERSION -X $cgo.gitMajor=1 -X $cgo.gitMinor=$minor"
  targets=(); for b in "${kube[@]}"; do targets+=("./cmd/$b"); done
  log "building ${kube[*]} (the first time takes ~20 minutes on 2 busy cores)"
  (cd "$work" && nice -n 10 go build -trimpath -ldflags "$ldflags" -o "$staging/" "${targets[@]}")
  log "built ${kube[*]} in $((SECONDS - started))s"
fi
if [[ " ${missing[*]} " == *" helm "* ]]; then
  log "building helm $HELM_VERSION"
  GOBIN="$staging" nice -n 10 go install -trimpath -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
fi
mkdir -p "$BIN"
for b in "${missing[@]}"; do mv "$staging/$b" "$BIN/$b"; done
rmdir "$staging" 2>/dev/null || true
log "binaries ready in $((SECONDS - started))s"
echo "$BIN"

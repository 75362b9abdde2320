#!/usr/bin/env bash
# Installs what a fresh machine lacks to run weir: pnpm, Debian's librdkafka (the Kafka client
# @confluentinc/kafka-javascript links against it) and the workspace's dependencies; with --test
# also the Debian packages the tests need (below). Safe to run again: it skips what is there.
# The servers the tests need (Kafka, schema registry, Elasticsearch) are installed and started by
# the test command itself (scripts/infra), from Maven Central, with Java 17 + Maven.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=false
for arg in "$@"; do
  case "$arg" in
    --test) want_browser=true ;;
    *) echo "usage: bash scripts/setup.sh [--test]" >&2; exit 2 ;;
  esac
done

if ! command -v pnpm >/dev/null 2>&1; then
  echo "setup: installing pnpm" >&2
  # corepack's download is refused here; npm can install the version package.json names.
  npm install -g "$(node -p 'require("./package.json").packageManager')" >&2
fi

if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
apt_updated=false
apt_install() {
  $apt_updated || $sudo apt-get update >&2
  apt_updated=true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "$@" >&2
}

# @confluentinc/kafka-javascript's prebuilt binary is downloaded from GitHub, which may be out
# of reach; with CKJS_LINKING=dynamic it is built here instead (2-5 min), with the librdkafka
# its npm package carries (2.15 in 1.10.1) linked against Debian's ssl, sasl, zstd, lz4, zlib
# and curl libraries installed below. scripts/librdkafka.sh then swaps that librdkafka for
# 2.16 (from the confluent-kafka wheel on PyPI, hence pip): 2.15.1 aborts in rebalances.
if ! dpkg -s librdkafka-dev >/dev/null 2>&1; then
  echo "setup: installing Debian's librdkafka and a C++ toolchain (the Kafka client is built with them)" >&2
  apt_install librdkafka-dev libssl-dev libsasl2-dev libzstd-dev liblz4-dev zlib1g-dev libcurl4-openssl-dev build-essential python3
fi
if ! python3 -m pip --version >/dev/null 2>&1; then
  echo "setup: installing pip (librdkafka 2.16 comes from a PyPI wheel)" >&2
  apt_install python3-pip
fi

echo "setup: installing dependencies" >&2
CKJS_LINKING=dynamic pnpm install --frozen-lockfile >&2
bash scripts/librdkafka.sh

# Node 22 beside the project's Node 20, for the @platformatic/kafka bus adapter (it needs Node
# >= 22.22): its tests and bench run on it in child processes. From npm, cached in ~/.cache/weir.
bash scripts/node22.sh >/dev/null

# --test: Debian's chromium (the dashboard test drives it headless), and what the real-cluster
# test needs: etcd, containerd, runc and the CNI plugins for the node, iptables and conntrack for
# kube-proxy, socat for the relays to the servers, mmdebstrap and buildah for `pnpm image`, gcc
# for the pause image. The Kubernetes and KEDA binaries are built from the Go module proxy here
# (scripts/k8s/build.sh, build-keda.sh; cached in ~/.cache/weir/k8s, instant once built): built by
# the cluster test itself, the ten minutes they take on a fresh machine ran that test past its
# 20-minute limit.
if $want_browser; then
  packages=(chromium etcd-server containerd runc containernetworking-plugins iptables conntrack socat mmdebstrap buildah uidmap gcc libc6-dev)
  missing=()
  for package in "${packages[@]}"; do dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing Debian's ${missing[*]}" >&2
    apt_install "${missing[@]}"
  fi
  bash scripts/k8s/build.sh >/dev/null
  bash scripts/k8s/build-keda.sh >/dev/null
fi

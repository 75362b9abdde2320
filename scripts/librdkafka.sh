#!/usr/bin/env bash
# Puts librdkafka 2.16 under @confluentinc/kafka-javascript. Version 1.10.1 of the binding (the
# newest on npm) bundles librdkafka 2.15.1, which aborts the process in a rebalance
# (rd_kafka_assignment_partition_stopped: Assertion rktp_started; librdkafka issue #5573, fixed
# in 2.16.0). No npm package or crate carries a fixed librdkafka yet; the confluent-kafka wheels
# on PyPI do: their librdkafka is self-contained (OpenSSL, SASL, zstd, lz4 and curl linked in).
# The binding finds its librdkafka.so.1 beside it (RUNPATH $ORIGIN/../deps), and librdkafka keeps
# its C ABI within a major version, so that file is replaced. Safe to run again: it skips a
# binding that already loads 2.16 or later. Run by scripts/setup.sh after `pnpm install`.
set -euo pipefail
cd "$(dirname "$0")/.."

WHEEL_VERSION=2.16.2 # confluent-kafka on PyPI; bundles librdkafka 2.16.0
cache="${XDG_CACHE_HOME:-$HOME/.cache}/weir/librdkafka/confluent-kafka-$WHEEL_VERSION"

loaded_version() {
  (cd shared/stream && node -e 'process.stdout.write(require("@confluentinc/kafka-javascript").librdkafkaVersion)')
}

at_least_2_16() {
  local major minor
  IFS=. read -r major minor _ <<<"$1"
  [ "$major" -gt 2 ] || { [ "$major" -eq 2 ] && [ "$minor" -ge 16 ]; }
}

current="$(loaded_version)"
if at_least_2_16 "$current"; then
  echo "librdkafka: the binding loads $current" >&2
  exit 0
fi

case "$(uname -m)" in
  x86_64) platform=manylinux_2_28_x86_64 ;;
  aarch64) platform=manylinux_2_28_aarch64 ;;
  *) echo "librdkafka: no confluent-kafka wheel for $(uname -m); the binding keeps librdkafka $current (aborts in rebalances: librdkafka #5573)" >&2; exit 1 ;;
esac

library="$(find "$cache" -path '*confluent_kafka.libs/librdkafka*.so*' 2>/dev/null | head -n 1 || true)"
if [ -z "$library" ]; then
  echo "librdkafka: fetching confluent-kafka $WHEEL_VERSION ($platform) from PyPI for its librdkafka" >&2
  rm -rf "$cache" && mkdir -p "$cache"
  python3 -m pip --version >/dev/null 2>&1 || { echo "librdkafka: python3 -m pip is missing (Debian: apt-get install python3-pip)" >&2; exit 1; }
  # Any CPython's wheel will do: only the library inside is used, never the Python module.
  python3 -m pip download --quiet --no-deps --only-binary=:all: --platform "$platform" --python-version 3.11 \
    --dest "$cache" "confluent-kafka==$WHEEL_VERSION" >&2
  python3 -m zipfile -e "$cache"/confluent_kafka-*.whl "$cache/wheel"
  library="$(find "$cache/wheel" -path '*confluent_kafka.libs/librdkafka*.so*' | head -n 1)"
  [ -n "$library" ] || { echo "librdkafka: the wheel holds no librdkafka" >&2; exit 1; }
fi

binding="$(cd shared/stream && node -p 'require("node:path").dirname(require.resolve("@confluentinc/kafka-javascript/package.json"))')"
target="$binding/build/deps/librdkafka.so.1"
[ -e "$target" ] || { echo "librdkafka: $target is missing: was the binding built (CKJS_LINKING=dynamic pnpm install)?" >&2; exit 1; }
# A new file renamed into place: the old one may be hard-linked from pnpm's store into other checkouts.
cp "$library" "$target.new"
mv -f "$target.new" "$target"

now="$(loaded_version)"
at_least_2_16 "$now" || { echo "librdkafka: the binding still loads $now" >&2; exit 1; }
echo "librdkafka: the binding loads $now (was $current)" >&2

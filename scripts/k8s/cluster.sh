#!/usr/bin/env bash
# `pnpm k8s:up | k8s:down | k8s:status`: a real one-node Kubernetes on this machine.
#
#   up      builds the binaries once (scripts/k8s/build.sh, Go module proxy, cached), then starts
#           etcd, kube-apiserver, kube-controller-manager, kube-scheduler, containerd + runc, a
#           kubelet running real pods and kube-proxy (iptables); builds `pnpm image` if the tree
#           changed and loads it into the node; relays the servers of `pnpm infra:up` to the node's
#           bridge address so pods reach them; prints `export` lines for KUBECONFIG, PATH (kubectl,
#           helm) and WEIR_K8S_VALUES (a values file pointing helm/weir at those servers and the
#           image). Progress goes to stderr: `eval "$(pnpm -s k8s:up)"`.
#   down    stops all of it and restores what it changed on the host: sysctls, iptables chains,
#           bridges, mounts, network namespaces. The binaries and the node's images stay cached.
#   keda    (after up) KEDA, built once from the Go module proxy (scripts/k8s/build-keda.sh): its
#           CRDs, and its operator and metrics API server as host processes beside the control
#           plane (like it, no image), serving external.metrics.k8s.io for the HPAs of the
#           ScaledObjects. Stopped by down. `lagAutoscaling.mode=keda` of helm/weir then works.
#   status  one line per component; exits 3 when one is not running.
#
# Every process runs as root (containerd, the kubelet and kube-proxy need it). Nothing listens
# beyond loopback and the cluster's own bridges. Pods reach this machine at NODE_IP (the node's
# bridge): Kafka advertises a listener for them there (scripts/infra/kafka.ts, port + 2), and
# socat relays it, the registry and Elasticsearch from NODE_IP to loopback.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$(pwd)

CACHE="${WEIR_K8S_CACHE:-$HOME/.cache/weir/k8s}"
K="$CACHE/cluster"
NODE_IP=10.244.255.1            # scripts/infra/config.ts POD_HOST
NODE_BRIDGE=weirnode0           # holds NODE_IP alone: the kubelet refuses a loopback node IP
CNI_BRIDGE=weircni0             # the pods' bridge, gateway 10.244.0.1
POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.96.0.0/16
ETCD_PORT=12379
KAFKA_PODS_PORT=$(( ${WEIR_KAFKA_PORT:-19092} + 2 ))
REGISTRY_PORT=${WEIR_REGISTRY_PORT:-18081}
ES_PORT=${WEIR_ES_PORT:-19200}
# What the kubelet and kube-proxy change: saved before the first start, restored by down.
SYSCTLS=(vm.overcommit_memory kernel.panic kernel.panic_on_oops net.ipv4.ip_forward
  net.ipv4.conf.all.route_localnet net.netfilter.nf_conntrack_max net.netfilter.nf_conntrack_tcp_timeout_established
  net.netfilter.nf_conntrack_tcp_timeout_close_wait net.ipv4.vs.conntrack net.bridge.bridge-nf-call-iptables)
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kube-proxy relay-kafka relay-registry relay-es)
KEDA_COMPONENTS=(keda-operator keda-adapter)
KEDA_NAMESPACE=keda
KEDA_ADAPTER_PORT=6445          # on NODE_IP: the apiserver's aggregator reaches it there
KEDA_GRPC_PORT=9666             # the operator's metrics service, for the adapter (loopback)
KEDA_PROBE_PORT=9667
KEDA_ADAPTER_METRICS_PORT=9022  # the adapter's /metrics: KEDA binds it on every address (no flag for one)

log() { echo "[k8s] $*" >&2; }
fail() { log "error $1: $2"; exit 1; }
pid_of() { [ -f "$K/run/$1.pid" ] && cat "$K/run/$1.pid"; }
running() { local pid; pid=$(pid_of "$1") && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

# start NAME COMMAND...: a detached process (its own session, so it outlives this script),
# logging to $K/logs/NAME.log.
start() {
  local name=$1; shift
  if running "$name"; then return 0; fi
  setsid "$@" >"$K/logs/$name.log" 2>&1 < /dev/null &
  echo $! >"$K/run/$name.pid"
}

# wait_for WHAT SECONDS COMMAND...: polls until COMMAND succeeds; shows the log on failure.
wait_for() {
  local what=$1 limit=$2 name=$3; shift 3
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if ! running "$name"; then tail -20 "$K/logs/$name.log" >&2; fail WEIR_K8S_START "$name exited while waiting for $what"; fi
    if [ $SECONDS -ge $deadline ]; then tail -20 "$K/logs/$name.log" >&2; fail WEIR_K8S_START "$what not within ${limit}s"; fi
    sleep 0.5
  done
}

kubectl_() { "$BIN/kubectl" --kubeconfig "$K/pki/kubeconfig" "$@"; }

ensure_tools() {
  [ "$(id -u)" -eq 0 ] || fail WEIR_K8S_ROOT "the cluster runs as root (containerd, kubelet, iptables)"
  local missing=()
  for tool in etcd containerd runc ctr iptables socat openssl gcc buildah; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  [ -x /usr/lib/cni/bridge ] || missing+=("containernetworking-plugins")
  [ ${#missing[@]} -eq 0 ] || fail WEIR_K8S_TOOLS "missing ${missing[*]} (bash scripts/setup.sh --test installs them)"
}

save_host_state() {
  [ -f "$K/host/sysctls" ] && return 0
  mkdir -p "$K/host"
  : >"$K/host/sysctls.partial"
  for key in "${SYSCTLS[@]}"; do
    value=$(sysctl -n "$key" 2>/dev/null) && printf '%s=%s\n' "$key" "$value" >>"$K/host/sysctls.partial"
  done
  mv "$K/host/sysctls.partial" "$K/host/sysctls"
}

make_bridges() {
  if ! ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    ip link add "$NODE_BRIDGE" type bridge
    ip addr add "$NODE_IP/32" dev "$NODE_BRIDGE"
    ip link set "$NODE_BRIDGE" up
  fi
}

make_certs() {
  local P="$K/pki"
  [ -f "$P/kubeconfig" ] && return 0
  mkdir -p "$P.partial" && cd "$P.partial"
  openssl genrsa -out ca.key 2048 2>/dev/null
  openssl req -x509 -new -nodes -key ca.key -subj /CN=weir-local-ca -days 3650 -out ca.crt 2>/dev/null
  # key NAME SUBJECT EXTENSIONS: a key and a certificate signed by the CA.
  key() {
    openssl genrsa -out "$1.key" 2048 2>/dev/null
    openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
    printf '%s\n' "$3" >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  }
  key apiserver /CN=kube-apiserver "subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:10.96.0.1,IP:$NODE_IP
extendedKeyUsage=serverAuth"
  key admin "/O=system:masters/CN=admin" "extendedKeyUsage=clientAuth"
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  cat >kubeconfig <<EOF
apiVersion: v1
kind: Config
clusters:
- name: weir-local
  cluster: {certificate-authority: $P/ca.crt, server: "https://127.0.0.1:6443"}
users:
- name: admin
  user: {client-certificate: $P/admin.crt, client-key: $P/admin.key}
contexts:
- name: weir-local
  context: {cluster: weir-local, user: admin}
current-context: weir-local
EOF
  cd "$REPO" && mv "$P.partial" "$P"
}

start_control_plane() {
  local P="$K/pki"
  start etcd nice -n 5 etcd --name weir-local --data-dir "$K/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-cluster "weir-local=http://127.0.0.1:$((ETCD_PORT + 1))"
  wait_for "etcd" 60 etcd curl -sf "http://127.0.0.1:$ETCD_PORT/health"
  start kube-apiserver "$BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --advertise-address="$NODE_IP" --secure-port=6443 \
    --tls-cert-file="$P/apiserver.crt" --tls-private-key-file="$P/apiserver.key" --client-ca-file="$P/ca.crt" \
    --service-account-key-file="$P/sa.pub" --service-account-signing-key-file="$P/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc --service-cluster-ip-range="$SERVICE_CIDR" \
    --authorization-mode=Node,RBAC --kubelet-preferred-address-types=InternalIP \
    --kubelet-client-certificate="$P/admin.crt" --kubelet-client-key="$P/admin.key" \
    --enable-aggregator-routing=true --proxy-client-cert-file="$P/admin.crt" --proxy-client-key-file="$P/admin.key" \
    --requestheader-client-ca-file="$P/ca.crt" --requestheader-allowed-names=admin \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra-
  wait_for "kube-apiserver /readyz" 120 kube-apiserver \
    curl -sf --cacert "$P/ca.crt" --cert "$P/admin.crt" --key "$P/admin.key" https://127.0.0.1:6443/readyz
  start kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig="$P/kubeconfig" \
    --authentication-kubeconfig="$P/kubeconfig" --authorization-kubeconfig="$P/kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=10257 --leader-elect=false --use-service-account-credentials=false \
    --service-account-private-key-file="$P/sa.key" --root-ca-file="$P/ca.crt" \
    --cluster-signing-cert-file="$P/ca.crt" --cluster-signing-key-file="$P/ca.key" \
    --controllers='*,-nodeipam,-cloud-node-lifecycle' \
    --horizontal-pod-autoscaler-sync-period=5s --horizontal-pod-autoscaler-downscale-stabilization=20s
  start kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$P/kubeconfig" \
    --authentication-kubeconfig="$P/kubeconfig" --authorization-kubeconfig="$P/kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=10259 --leader-elect=false
}

start_containerd() {
  mkdir -p "$K/containerd" "$K/cni/net.d"
  cat >"$K/containerd/config.toml" <<EOF
version = 2
root = "$CACHE/containerd-root"
state = "$K/containerd/state"
[grpc]
  address = "$K/containerd/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  # This sandbox lacks CAP_SYS_RESOURCE: without this runc fails to adjust oom_score_adj.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$K/cni/net.d"
EOF
  # A bridge of the cluster's own; no masquerading: pods talk to this machine and each other only.
  cat >"$K/cni/net.d/10-weir.conflist" <<EOF
{"cniVersion": "0.4.0", "name": "weir-k8s", "plugins": [
  {"type": "bridge", "bridge": "$CNI_BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": "$K/cni/ipam", "ranges": [[{"subnet": "$POD_CIDR"}]],
            "routes": [{"dst": "10.244.0.0/16"}, {"dst": "$SERVICE_CIDR"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}},
  {"type": "loopback"}]}
EOF
  start containerd containerd --config "$K/containerd/config.toml"
  wait_for "containerd" 60 containerd ctr --address "$K/containerd/containerd.sock" version
}

ctr_() { ctr --address "$K/containerd/containerd.sock" --namespace k8s.io "$@"; }

load_images() {
  # The sandbox ("pause") image: built from the Kubernetes sources once, no registry involved.
  local pause="$CACHE/pause-3.10.oci.tar"
  if [ ! -f "$pause" ]; then
    log "building the pause image"
    local src; src=$(ls -d "$CACHE"/build-*/build/pause/linux | sed -n 1p)
    gcc -Os -static -DVERSION=3.10 -o "$CACHE/pause" "$src/pause.c"
    local ctr; ctr=$(buildah from --quiet scratch)
    buildah copy --quiet "$ctr" "$CACHE/pause" /pause >/dev/null
    buildah config --entrypoint '["/pause"]' --user 65535:65535 "$ctr"
    buildah commit --quiet --rm "$ctr" registry.k8s.io/pause:3.10 >/dev/null
    buildah push --quiet registry.k8s.io/pause:3.10 "oci-archive:$pause.partial:registry.k8s.io/pause:3.10"
    mv "$pause.partial" "$pause"
  fi
  ctr_ images ls -q | grep -x registry.k8s.io/pause:3.10 >/dev/null || ctr_ images import "$pause" >/dev/null
  log "building the weir image (pnpm image; instant when the tree is unchanged)"
  bash scripts/image/build.sh >/dev/null
  # shellcheck source=/dev/null
  . out/image/latest.env
  if ! ctr_ images ls -q | grep -x >/dev/null "$WEIR_IMAGE"; then
    log "loading $WEIR_IMAGE into the node"
    ctr_ images import "$WEIR_IMAGE_ARCHIVE" >/dev/null
    ctr_ images ls -q | grep -x "$WEIR_IMAGE" >/dev/null || fail WEIR_K8S_IMAGE "$WEIR_IMAGE_ARCHIVE did not load as $WEIR_IMAGE"
  fi
}

start_node() {
  mkdir -p "$K/kubelet"
  cat >"$K/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $K/pki/ca.crt}
authorization: {mode: AlwaysAllow}
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$K/containerd/containerd.sock
failSwapOn: false
failCgroupV1: false
protectKernelDefaults: false
enforceNodeAllocatable: []
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
clusterDNS: []
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
staticPodPath: ""
serializeImagePulls: false
maxPods: 60
EOF
  start kubelet "$BIN/kubelet" --config="$K/kubelet/config.yaml" --kubeconfig="$K/pki/kubeconfig" \
    --root-dir="$K/kubelet/root" --hostname-override=node1 --node-ip="$NODE_IP" --cert-dir="$K/kubelet/pki"
  wait_for "the node to be Ready" 120 kubelet \
    sh -c "'$BIN/kubectl' --kubeconfig '$K/pki/kubeconfig' get node node1 -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -x >/dev/null True"
  # Services: iptables rules; masquerade so a pod reaching a Service backed by a pod on the same
  # bridge gets its answers back without br_netfilter.
  start kube-proxy "$BIN/kube-proxy" --kubeconfig="$K/pki/kubeconfig" --hostname-override=node1 \
    --proxy-mode=iptables --cluster-cidr=10.244.0.0/16 --masquerade-all \
    --conntrack-max-per-core=0 --bind-address=127.0.0.1 --metrics-bind-address=127.0.0.1:10249 \
    --healthz-bind-address=127.0.0.1:10256
  wait_for "kube-proxy" 60 kube-proxy curl -sf http://127.0.0.1:10256/healthz
}

start_relays() {
  curl -sf -o /dev/null "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7/subjects" \
    || fail WEIR_K8S_INFRA "no schema registry on 127.0.0.1:$REGISTRY_PORT: run pnpm infra:up first"
  curl -sf -o /dev/null "http://127.0.0.1:$ES_PORT/" || fail WEIR_K8S_INFRA "no Elasticsearch on 127.0.0.1:$ES_PORT: run pnpm infra:up first"
  (exec 3<>"/dev/tcp/127.0.0.1/$KAFKA_PODS_PORT") 2>/dev/null || fail WEIR_K8S_INFRA \
    "Kafka has no listener for pods on 127.0.0.1:$KAFKA_PODS_PORT (WEIR_KAFKA_PORT + 2): a broker started by this version of pnpm infra:up has one; one started elsewhere needs a listener advertised at $NODE_IP:$KAFKA_PODS_PORT"
  start relay-kafka socat "TCP-LISTEN:$KAFKA_PODS_PORT,bind=$NODE_IP,fork,reuseaddr" "TCP:127.0.0.1:$KAFKA_PODS_PORT"
  start relay-registry socat "TCP-LISTEN:$REGISTRY_PORT,bind=$NODE_IP,fork,reuseaddr" "TCP:127.0.0.1:$REGISTRY_PORT"
  start relay-es socat "TCP-LISTEN:$ES_PORT,bind=$NODE_IP,fork,reuseaddr" "TCP:127.0.0.1:$ES_PORT"
  wait_for "the registry relay" 20 relay-registry curl -sf -o /dev/null "http://$NODE_IP:$REGISTRY_PORT/apis/ccompat/v7/subjects"
}

write_values() {
  # shellcheck source=/dev/null
  . out/image/latest.env
  cat >"$K/weir-values.yaml.partial" <<EOF
# Written by pnpm k8s:up: helm/weir on the local cluster, with the servers of pnpm infra:up as
# pods reach them (the node's bridge address, relayed to loopback) and the image of pnpm image.
image:
  repository: ${WEIR_IMAGE%:*}
  tag: "${WEIR_IMAGE##*:}"
  pullPolicy: Never
kafka:
  brokers: "$NODE_IP:$KAFKA_PODS_PORT"
schemaRegistry:
  url: "http://$NODE_IP:$REGISTRY_PORT/apis/ccompat/v7"
# One node with a couple of cores: one replica each and small requests, so every pod fits.
services:
  ingest:
    replicas: 1
    autoscaling: { enabled: false }
    resources: { requests: { cpu: 50m, memory: 96Mi } }
  sessionize:
    replicas: 1
    resources: { requests: { cpu: 50m, memory: 96Mi } }
  window:
    resources: { requests: { cpu: 50m, memory: 96Mi } }
  score:
    replicas: 1
    resources: { requests: { cpu: 50m, memory: 96Mi } }
    env:
      ELASTICSEARCH_URL: "http://$NODE_IP:$ES_PORT"
      # One Elasticsearch node: replicas would never be assigned.
      WEIR_ES_REPLICAS: "0"
EOF
  mv "$K/weir-values.yaml.partial" "$K/weir-values.yaml"
}

up() {
  ensure_tools
  local since=$SECONDS
  BIN=$(bash scripts/k8s/build.sh)
  mkdir -p "$K/run" "$K/logs"
  save_host_state
  make_bridges
  make_certs
  start_control_plane
  start_containerd
  load_images
  start_node
  start_relays
  write_values
  log "cluster ready in $((SECONDS - since))s (logs: $K/logs)"
  printf 'export KUBECONFIG=%q\nexport PATH=%q:$PATH\nexport WEIR_K8S_VALUES=%q\n' "$K/pki/kubeconfig" "$BIN" "$K/weir-values.yaml"
}

# KEDA's TLS: one key and certificate signed by the cluster's CA, for the operator's metrics
# service (gRPC, mutual TLS with the adapter, on loopback) and the adapter's API (the aggregator
# checks the Service's DNS name).
make_keda_certs() {
  local D="$K/keda/certs"
  # Kept across runs, as the cluster's own certificates are; made again for a new cluster CA.
  if [ -f "$D/tls.crt" ] && cmp -s "$D/ca.crt" "$K/pki/ca.crt"; then return 0; fi
  rm -rf "$D" "$D.partial" && mkdir -p "$D.partial"
  cp "$K/pki/ca.crt" "$D.partial/ca.crt"
  openssl genrsa -out "$D.partial/tls.key" 2048 2>/dev/null
  openssl req -new -key "$D.partial/tls.key" -subj /CN=keda -out "$D.partial/tls.csr" 2>/dev/null
  printf '%s\n' "subjectAltName=DNS:localhost,DNS:keda-metrics-apiserver.$KEDA_NAMESPACE.svc,IP:127.0.0.1,IP:$NODE_IP" \
    "extendedKeyUsage=serverAuth,clientAuth" >"$D.partial/tls.ext"
  openssl x509 -req -in "$D.partial/tls.csr" -CA "$K/pki/ca.crt" -CAkey "$K/pki/ca.key" -CAcreateserial -days 3650 \
    -extfile "$D.partial/tls.ext" -out "$D.partial/tls.crt" 2>/dev/null
  mv "$D.partial" "$D"
}

keda() {
  running kube-apiserver || fail WEIR_K8S_KEDA "the cluster is not running: pnpm k8s:up first"
  local since=$SECONDS KEDA_DIR
  BIN=$(bash scripts/k8s/build.sh)
  KEDA_DIR=$(bash scripts/k8s/build-keda.sh)
  make_keda_certs
  local D="$K/keda/certs"
  log "installing KEDA's CRDs"
  kubectl_ apply --server-side --force-conflicts -f "$KEDA_DIR/crds.yaml" >/dev/null
  wait_for "KEDA's CRDs" 60 kube-apiserver \
    sh -c "'$BIN/kubectl' --kubeconfig '$K/pki/kubeconfig' get crd scaledobjects.keda.sh -o jsonpath='{.status.conditions[?(@.type==\"Established\")].status}' | grep -x >/dev/null True"
  # The adapter's API as the aggregator finds it: a Service without a selector whose Endpoints
  # are the node address, where the adapter listens. Applied each time: another server may have
  # taken external.metrics.k8s.io in between (the cluster test's own HPA metric does).
  kubectl_ apply -f - 2> >(grep -v "Endpoints is deprecated" >&2) >/dev/null <<YAML
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Namespace, metadata: {name: $KEDA_NAMESPACE}}
- apiVersion: v1
  kind: Service
  metadata: {name: keda-metrics-apiserver, namespace: $KEDA_NAMESPACE}
  spec: {ports: [{name: https, port: 443, targetPort: $KEDA_ADAPTER_PORT}]}
- apiVersion: v1
  kind: Endpoints
  metadata: {name: keda-metrics-apiserver, namespace: $KEDA_NAMESPACE}
  subsets: [{addresses: [{ip: $NODE_IP}], ports: [{name: https, port: $KEDA_ADAPTER_PORT}]}]
- apiVersion: apiregistration.k8s.io/v1
  kind: APIService
  metadata: {name: v1beta1.external.metrics.k8s.io}
  spec:
    service: {name: keda-metrics-apiserver, namespace: $KEDA_NAMESPACE, port: 443}
    group: external.metrics.k8s.io
    version: v1beta1
    caBundle: $(base64 -w0 "$K/pki/ca.crt")
    insecureSkipTLSVerify: false
    groupPriorityMinimum: 100
    versionPriority: 100
YAML
  # Both read the cluster through the admin kubeconfig (host processes, like the control plane),
  # keep their cluster-wide objects in the keda namespace and watch every namespace.
  export KUBECONFIG="$K/pki/kubeconfig" KEDA_CLUSTER_OBJECT_NAMESPACE=$KEDA_NAMESPACE POD_NAMESPACE=$KEDA_NAMESPACE WATCH_NAMESPACE=""
  start keda-operator "$KEDA_DIR/keda" --leader-elect=false --enable-prometheus-metrics=false \
    --health-probe-bind-address="127.0.0.1:$KEDA_PROBE_PORT" --metrics-service-bind-address="127.0.0.1:$KEDA_GRPC_PORT" \
    --cert-dir="$D" --ca-dir="$D" --zap-log-level=info --zap-encoder=console
  wait_for "the KEDA operator" 120 keda-operator curl -sf "http://127.0.0.1:$KEDA_PROBE_PORT/readyz"
  start keda-adapter "$KEDA_DIR/keda-adapter" --secure-port="$KEDA_ADAPTER_PORT" --bind-address="$NODE_IP" \
    --cert-dir="$D" --tls-cert-file="$D/tls.crt" --tls-private-key-file="$D/tls.key" --client-ca-file="$K/pki/ca.crt" \
    --authentication-kubeconfig="$K/pki/kubeconfig" --authorization-kubeconfig="$K/pki/kubeconfig" \
    --lister-kubeconfig="$K/pki/kubeconfig" \
    --metrics-service-address="127.0.0.1:$KEDA_GRPC_PORT" --port="$KEDA_ADAPTER_METRICS_PORT" --v=0
  wait_for "external.metrics.k8s.io (KEDA's adapter)" 120 keda-adapter \
    sh -c "'$BIN/kubectl' --kubeconfig '$K/pki/kubeconfig' get apiservice v1beta1.external.metrics.k8s.io -o jsonpath='{.status.conditions[?(@.type==\"Available\")].status}' | grep -x >/dev/null True"
  log "KEDA $(basename "$KEDA_DIR") running in $((SECONDS - since))s (logs: $K/logs/keda-*.log)"
}

stop_pid() {
  local name=$1 pid
  pid=$(pid_of "$name") || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$K/run/$name.pid"
}

down() {
  [ -d "$K/run" ] || { log "no cluster state in $K"; }
  for name in "${KEDA_COMPONENTS[@]}"; do stop_pid "$name"; done
  stop_pid kubelet
  stop_pid kube-proxy
  if running containerd; then
    # Every container and pod sandbox: kill, delete the task (its shim exits), remove.
    for id in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; done
    for id in $(ctr_ tasks ls -q 2>/dev/null); do
      for _ in $(seq 1 20); do ctr_ tasks delete "$id" >/dev/null 2>&1 && break; sleep 0.25; done
    done
    for id in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers delete "$id" >/dev/null 2>&1 || true; done
  fi
  for name in containerd relay-kafka relay-registry relay-es kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_pid "$name"; done
  # Mounts the kubelet and containerd made (volumes, rootfs overlays, shm), innermost first.
  findmnt -rn -o TARGET | awk -v k="$K" -v c="$CACHE/containerd-root" 'index($0, k) == 1 || index($0, c) == 1' | sort -r |
    while read -r target; do umount -l "$target" 2>/dev/null || true; done
  # The pods' network namespaces (containerd names them cni-*), with their veths.
  for ns in $(ip netns list 2>/dev/null | awk '/^cni-/ {print $1}'); do
    if ip netns exec "$ns" ip -o addr 2>/dev/null | grep ' 10\.244\.0\.' >/dev/null; then ip netns delete "$ns" 2>/dev/null || true; fi
  done
  # iptables: the KUBE-* chains of the kubelet and kube-proxy, the CNI-* chains of portmap, and
  # every rule jumping to them; everything else is written back as it was.
  for tool in iptables ip6tables; do
    command -v "$tool-save" >/dev/null || continue
    if "$tool-save" | grep -E '(KUBE|CNI)-' >/dev/null; then
      "$tool-save" | grep -vE '^:(KUBE|CNI)-|^-A (KUBE|CNI)-|-j (KUBE|CNI)-' | "$tool-restore"
    fi
  done
  for bridge in "$CNI_BRIDGE" "$NODE_BRIDGE"; do ip link del "$bridge" 2>/dev/null || true; done
  if [ -f "$K/host/sysctls" ]; then
    while IFS='=' read -r key value; do sysctl -qw "$key=$value" 2>/dev/null || true; done <"$K/host/sysctls"
    rm -f "$K/host/sysctls"
  fi
  # A fresh cluster next time: no old objects, pods or addresses. Certificates stay.
  rm -rf "$K/etcd" "$K/kubelet" "$K/containerd/state" "$K/cni/ipam" "$K/run"
  log "stopped; host settings restored"
}

status() {
  local all=0
  for name in "${COMPONENTS[@]}"; do
    if running "$name"; then echo "$name: running (pid $(pid_of "$name"), log $K/logs/$name.log)"; else echo "$name: stopped"; all=3; fi
  done
  # KEDA is optional (pnpm k8s:keda): listed when it runs.
  for name in "${KEDA_COMPONENTS[@]}"; do
    if running "$name"; then echo "$name: running (pid $(pid_of "$name"), log $K/logs/$name.log)"; fi
  done
  if [ $all -eq 0 ]; then
    BIN=$(bash scripts/k8s/build.sh)
    kubectl_ get nodes -o wide --no-headers | sed 's/^/node: /'
  fi
  return $all
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  keda) keda ;;
  *) echo "usage: bash scripts/k8s/cluster.sh up|down|status|keda" >&2; exit 2 ;;
esac

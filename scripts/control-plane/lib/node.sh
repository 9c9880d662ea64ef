# control-plane.sh up --with-node / down: one real Kubernetes node beside the
# control plane. containerd and runc (Debian's), kubelet, kube-scheduler, and a
# second kube-controller-manager running the Job controllers. Everything the
# node owns lives under $KVB_CP_STATE/node (containerd's root, state and
# socket, runc's state, the kubelet's root, the CNI config and addresses), the
# pods' network is an isolated bridge, and down undoes what the kubelet and
# containerd change on the machine; a footprint taken before up is compared
# after down, so a leftover fails loudly.

NODE_NAME=localhost
# Only Pods that tolerate this taint run on the node: the tool's mover Jobs do,
# the simulator's virt-launcher Pods do not (there is no virtualization here).
NODE_TAINT_KEY=kubectl-kvbackup/mover
NODE_BRIDGE=kvbackup-node0
NODE_NETWORK=kvbackup-node
NODE_SUBNET=10.241.0.0/24
NODE_PACKAGES=(containerd runc containernetworking-plugins umoci)
# The kubelet sets the first six (pkg/kubelet/cm/container_manager_linux.go
# setupKernelTunables); the bridge plugin may enable forwarding.
NODE_SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys
  kernel.keys.root_maxbytes net.ipv4.ip_forward)
# Machine paths containerd, runc, CNI or the kubelet may create despite the private paths.
NODE_MACHINE_PATHS=(/run/containerd /var/lib/cni /run/netns /var/run/netns /var/log/pods /var/log/containers
  /etc/cni /opt/cni /var/lib/kubelet /var/lib/containerd /opt/containerd /etc/kubernetes)
# Reverse start order.
NODE_PROCS=(kube-controller-manager-node kube-scheduler kubelet containerd)

node_ctr() { ctr --address "$NODE_DIR/containerd.sock" --namespace k8s.io "$@"; }

# Before anything starts: what the node needs from the machine.
node_preflight() {
  [[ $(id -u) == 0 ]] || die "--with-node needs root: the kubelet and containerd manage mounts, cgroups and network namespaces"
  node_require_packages
  if ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    die "the bridge $NODE_BRIDGE exists: another node runs on this machine (stop it with control-plane.sh down)"
  fi
  cni_bin_dir >/dev/null
}

node_up() {
  local start=$SECONDS
  NODE_DIR="$CP_STATE/node"
  mkdir -p "$NODE_DIR"/{containerd,cni/net.d,cni/ipam,kubelet,kubelet-pki,pod-logs}
  machine_footprint >"$NODE_DIR/machine.before"
  local s
  for s in "${NODE_SYSCTLS[@]}"; do echo "$s=$(sysctl -n "$s")"; done >"$NODE_DIR/sysctls.before"

  start_containerd
  node_ctr images import --base-name "$(sed 's/:.*//' "$CP_DIR/images/pause.ref")" \
    "$CP_DIR/images/pause.oci.tar" >"$CP_STATE/logs/images.log"
  start_kubelet
  start_proc kube-scheduler "$BIN/kube-scheduler" --kubeconfig "$CP_STATE/scheduler.kubeconfig" \
    --leader-elect=false --bind-address 127.0.0.1 --secure-port 0
  # The control plane's controller manager runs no Job or node controllers;
  # this one runs only those. The node lifecycle controller lifts the
  # not-ready taint the kubelet registers the node with.
  start_proc kube-controller-manager-node "$BIN/kube-controller-manager" \
    --kubeconfig "$CP_STATE/kcm.kubeconfig" --leader-elect=false --bind-address 127.0.0.1 --secure-port 0 \
    --controllers job-controller,ttl-after-finished-controller,pod-garbage-collector-controller,node-lifecycle-controller \
    --use-service-account-credentials=false
  wait_until "node $NODE_NAME to carry only its own taint" 60 kube-controller-manager-node \
    node_taints_are "$NODE_TAINT_KEY:NoSchedule"
  cat >>"$CP_STATE/env" <<ENV
export KVB_CP_NODE_NAME='$NODE_NAME'
export KVB_CP_NODE_TAINT_KEY='$NODE_TAINT_KEY'
export KVB_CP_CONTAINERD_ADDRESS='$NODE_DIR/containerd.sock'
ENV
  log "node $NODE_NAME Ready in $((SECONDS - start))s (containerd $NODE_DIR/containerd.sock, taint $NODE_TAINT_KEY:NoSchedule)"
}

node_taints_are() { # KEY:EFFECT...
  [[ $("${KUBECTL[@]}" get node "$NODE_NAME" -o jsonpath='{range .spec.taints[*]}{.key}:{.effect} {end}') == "$* " ]]
}

# Debian's packages; installed when missing and apt-get is there (CI), else
# the error names them.
node_require_packages() {
  local missing=() p
  for p in "${NODE_PACKAGES[@]}"; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return
  command -v apt-get >/dev/null || die "the node needs the Debian packages ${missing[*]}"
  log "installing the Debian packages the node needs: ${missing[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

start_containerd() {
  local c="$NODE_DIR/containerd"
  cat >"$NODE_DIR/containerd.toml" <<TOML
version = 2
root = "$c/root"
state = "$c/state"
# Snapshotters that would probe or load kernel modules are not needed.
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]
[grpc]
  address = "$NODE_DIR/containerd.sock"
[ttrpc]
  address = "$NODE_DIR/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$c/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$(cat "$CP_DIR/images/pause.ref")"
  # root lacks CAP_SYS_RESOURCE here: runc cannot lower oom_score_adj below its own.
  restrict_oom_score_adj = true
  disable_apparmor = true
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        Root = "$NODE_DIR/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$(cni_bin_dir)"
    conf_dir = "$NODE_DIR/cni/net.d"
    max_conf_num = 1
TOML
  # An isolated bridge: no address on the host side, no masquerading, its own
  # address range. Pods that must reach 127.0.0.1 use hostNetwork.
  cat >"$NODE_DIR/cni/net.d/10-$NODE_NETWORK.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "$NODE_NETWORK",
  "plugins": [
    {"type": "bridge", "bridge": "$NODE_BRIDGE", "isGateway": false, "ipMasq": false,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$NODE_SUBNET"}]], "dataDir": "$NODE_DIR/cni/ipam"}},
    {"type": "loopback"}
  ]
}
JSON
  log "starting containerd ($NODE_DIR/containerd.sock)"
  start_proc containerd "$(command -v containerd)" --config "$NODE_DIR/containerd.toml"
  wait_until "containerd" 30 containerd node_ctr version
}

cni_bin_dir() {
  local d
  for d in /usr/lib/cni /opt/cni/bin; do
    [[ -x $d/bridge ]] && { echo "$d"; return; }
  done
  die "no CNI plugins (bridge, host-local, loopback) in /usr/lib/cni or /opt/cni/bin"
}

start_kubelet() {
  local ports
  ports=$("$SIM_BIN" freeport 2)
  # Node authorization is RBAC's system:node role here (the apiserver runs RBAC only).
  "${KUBECTL[@]}" create clusterrolebinding kvbackup-test-nodes --clusterrole system:node --group system:nodes \
    >"$CP_STATE/logs/node-rbac.log"
  # Anonymous, AlwaysAllow and loopback only: the apiserver has no kubelet
  # client certificate, and logs/exec need it to reach the kubelet.
  cat >"$NODE_DIR/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $(sed -n 1p <<<"$ports")
healthzBindAddress: 127.0.0.1
healthzPort: $(sed -n 2p <<<"$ports")
readOnlyPort: 0
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
cgroupDriver: cgroupfs
failSwapOn: false
failCgroupV1: false
containerRuntimeEndpoint: unix://$NODE_DIR/containerd.sock
podLogsDir: $NODE_DIR/pod-logs
# No kube-proxy and no NodePorts here: the iptables chains are not needed.
makeIPTablesUtilChains: false
registerWithTaints:
- {key: $NODE_TAINT_KEY, effect: NoSchedule}
evictionHard: {memory.available: 1Mi, nodefs.available: 1%, nodefs.inodesFree: 1%, imagefs.available: 1%}
imageGCHighThresholdPercent: 100
serializeImagePulls: false
YAML
  log "starting kubelet (node $NODE_NAME)"
  start_proc kubelet "$BIN/kubelet" --config "$NODE_DIR/kubelet.yaml" --kubeconfig "$CP_STATE/kubelet.kubeconfig" \
    --hostname-override "$NODE_NAME" --root-dir "$NODE_DIR/kubelet" --cert-dir "$NODE_DIR/kubelet-pki"
  wait_until "node $NODE_NAME to register" 60 kubelet "${KUBECTL[@]}" get node "$NODE_NAME"
  wait_until "node $NODE_NAME to be Ready" 60 kubelet \
    "${KUBECTL[@]}" wait --for condition=Ready --timeout 2s node "$NODE_NAME"
}

# machine_footprint: the machine state the node may change, one line per fact,
# so that down can prove it put everything back.
machine_footprint() {
  local s p
  for s in "${NODE_SYSCTLS[@]}"; do echo "sysctl $s=$(sysctl -n "$s")"; done
  ip -o link show | awk -F': ' '{sub(/@.*/, "", $2); print "link " $2}' | sort
  awk '$5 ~ /^\/(var\/)?run\/(netns|containerd)|kubelet|containerd|kubepods/ {print "mount " $5}' /proc/self/mountinfo | sort
  find /sys/fs/cgroup -maxdepth 3 -type d -name 'kubepods*' -printf 'cgroup %p\n' 2>/dev/null | sort
  { iptables-save || true; ip6tables-save || true; } 2>/dev/null | awk '!/^#/ {gsub(/\[[0-9]+:[0-9]+\]/, ""); print "iptables " $0}'
  for p in "${NODE_MACHINE_PATHS[@]}"; do
    if [[ -e $p ]]; then find "$p" -maxdepth 3 -printf 'path %p\n' | sort; fi
  done
}

node_down() {
  NODE_DIR="$CP_STATE/node"
  [[ -d $NODE_DIR ]] || return 0
  local pid pids c netns=() m
  # The kubelet stops what runs on the node, which also releases the pods'
  # addresses (CNI DEL) and network namespaces.
  if recorded_pid kubelet >/dev/null && recorded_pid kube-apiserver >/dev/null; then
    "${KUBECTL[@]}" delete pods --all-namespaces --field-selector "spec.nodeName=$NODE_NAME" \
      --force --grace-period 0 --wait=false >/dev/null 2>&1 || true
    for ((i = 0; i < 150; i++)); do
      [[ -z $(node_ctr tasks list --quiet 2>/dev/null) ]] && break
      sleep 0.2
    done
  fi
  stop_procs kube-controller-manager-node kube-scheduler kubelet
  # What is still there: kill its tasks, note its network namespaces.
  if recorded_pid containerd >/dev/null; then
    for c in $(node_ctr containers list --quiet 2>/dev/null); do
      netns+=($(node_ctr containers info "$c" 2>/dev/null | sed -n 's/.*"path": "\(\/[a-z/]*netns\/[^"]*\)".*/\1/p'))
      node_ctr tasks kill --signal SIGKILL "$c" >/dev/null 2>&1 || true
      node_ctr tasks delete --force "$c" >/dev/null 2>&1 || true
      node_ctr containers delete "$c" >/dev/null 2>&1 || true
    done
  fi
  stop_procs containerd
  # Shims of this containerd (their command line names its socket), then any
  # process left in the pods' cgroups.
  pids=$(ps -eo pid=,args= | awk -v sock="$NODE_DIR/containerd.sock" 'index($0, sock) {print $1}')
  for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
  # (cgroup v1: /sys/fs/cgroup/<controller>/kubepods/…; v2: /sys/fs/cgroup/kubepods/…)
  pids=$(find /sys/fs/cgroup -maxdepth 6 -path '*/kubepods*' -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)
  for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
  # Mounts under the node's directory (overlay rootfs, shm, volumes), deepest first.
  for m in $(awk -v dir="$NODE_DIR/" 'index($5, dir) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  for m in "${netns[@]}"; do
    if [[ -e $m ]]; then umount "$m" 2>/dev/null; rm -f "$m"; fi
  done
  ip link delete "$NODE_BRIDGE" 2>/dev/null || true
  if [[ -f $NODE_DIR/sysctls.before ]]; then
    while IFS='=' read -r s v; do sysctl -q -w "$s=$v" >/dev/null || true; done <"$NODE_DIR/sysctls.before"
  fi
  find /sys/fs/cgroup -maxdepth 2 -type d -name kubepods -exec find {} -depth -type d -delete \; 2>/dev/null || true
  node_remove_new_paths
  [[ -f $NODE_DIR/machine.before ]] || return 0
  machine_footprint >"$NODE_DIR/machine.after"
  if ! diff -u "$NODE_DIR/machine.before" "$NODE_DIR/machine.after" >"$NODE_DIR/machine.diff"; then
    log "error: the node left changes on this machine:"
    sed -n '3,$p' "$NODE_DIR/machine.diff" | grep '^[-+]' >&2
    return 1
  fi
  log "node removed; the machine is as before"
}

# Machine paths that did not exist before up (containerd's shim sockets,
# CNI's result cache, the network namespaces' directory) are removed whole.
node_remove_new_paths() {
  local p
  for p in "${NODE_MACHINE_PATHS[@]}"; do
    if [[ -e $p ]] && ! grep -qx "path $p" "$NODE_DIR/machine.before"; then
      if [[ $p == */netns ]]; then find "$p" -mindepth 1 -maxdepth 1 -exec umount {} \; 2>/dev/null; fi
      rm -rf "$p"
    fi
  done
  # CNI keeps one result file per attachment, named after the network.
  rm -f /var/lib/cni/results/"$NODE_NETWORK"-* 2>/dev/null || true
}

# control-plane.sh down / env: stop exactly the processes recorded in
# $KVB_CP_STATE/pids (the node first, when there is one, see node.sh) and
# remove the state; print the exports of a running one.

source "$CP_LIB/node.sh"

# Reverse start order, so nothing logs errors about what it depends on.
CP_PROCS=(kvb-sim kube-controller-manager kube-apiserver etcd)

cp_env() {
  [[ -f $CP_STATE/env ]] || die "no control plane in $CP_STATE (run: $0 up)"
  state_alive || die "the control plane in $CP_STATE is not running (run: $0 down; $0 up)"
  cat "$CP_STATE/env"
}

cp_down() {
  if [[ ! -d $CP_STATE ]]; then
    log "nothing to stop: $CP_STATE does not exist"
    return
  fi
  local node_clean=0 apiserver
  if [[ -d $CP_STATE/node ]]; then
    apiserver=$(recorded_binary kube-apiserver) || apiserver=""
    KUBECTL=("${apiserver%/*}/kubectl" --kubeconfig "$CP_STATE/admin.kubeconfig")
    node_down || node_clean=$?
  fi
  stop_recorded
  if ((node_clean != 0)); then
    # The state holds the node's footprint and logs: kept for the post-mortem.
    die "the node was not removed cleanly; see $CP_STATE/node/machine.diff and $CP_STATE/logs"
  fi
  rm -rf "$CP_STATE"
  log "stopped and removed $CP_STATE"
}

# recorded_pid NAME: the PID from the pid file if that process still runs the
# binary we started (guards against a recycled PID). A second instance of a
# binary is recorded as BINARY-SUFFIX (kube-controller-manager-node).
recorded_pid() {
  local pid binary=$1
  [[ $binary == kube-controller-manager-* ]] && binary=kube-controller-manager
  pid=$(cat "$CP_STATE/pids/$1.pid" 2>/dev/null) || return 1
  [[ -n $pid ]] && { tr "\0" " " <"/proc/$pid/cmdline"; } 2>/dev/null | grep -q "/$binary " && echo "$pid"
}

# recorded_binary NAME: the path of the running binary (the cache it came from).
recorded_binary() {
  local pid
  pid=$(recorded_pid "$1") && readlink "/proc/$pid/exe"
}

state_alive() {
  local p
  for p in "${CP_PROCS[@]}"; do
    recorded_pid "$p" >/dev/null && return 0
  done
  return 1
}

stop_recorded() {
  stop_procs "${CP_PROCS[@]}"
}

stop_procs() { # NAME...
  local p pid i
  for p in "$@"; do
    pid=$(recorded_pid "$p") || continue
    log "stopping $p (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || continue
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$p did not stop in 10s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

# control-plane.sh down / env: stop exactly the processes recorded in
# $KVB_CP_STATE/pids and remove the state; print the exports of a running one.

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
  stop_recorded
  rm -rf "$CP_STATE"
  log "stopped and removed $CP_STATE"
}

# recorded_pid NAME: the PID from the pid file if that process still runs the
# binary we started (guards against a recycled PID).
recorded_pid() {
  local pid
  pid=$(cat "$CP_STATE/pids/$1.pid" 2>/dev/null) || return 1
  [[ -n $pid ]] && { tr "\0" " " <"/proc/$pid/cmdline"; } 2>/dev/null | grep -q "/$1 " && echo "$pid"
}

state_alive() {
  local p
  for p in "${CP_PROCS[@]}"; do
    recorded_pid "$p" >/dev/null && return 0
  done
  return 1
}

stop_recorded() {
  local p pid i
  for p in "${CP_PROCS[@]}"; do
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

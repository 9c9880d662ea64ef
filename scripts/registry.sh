#!/usr/bin/env bash
# A real OCI registry for the end-to-end tests: the CNCF distribution registry
# built from its Go module (pinned in registry/go.mod), serving TLS with a CA
# made for each run, and a user login (htpasswd, bcrypt). Binds to 127.0.0.1.
#
#   registry.sh build   compile the registry into the cache (idempotent)
#   registry.sh up      start a registry in $KVB_REGISTRY_STATE (builds first if needed)
#   registry.sh env     print shell exports for the running registry
#   registry.sh down    stop the recorded process and remove $KVB_REGISTRY_STATE
#
# The exports: KVB_REGISTRY (127.0.0.1:PORT), KVB_REGISTRY_CA_FILE, KVB_REGISTRY_USER,
# KVB_REGISTRY_PASSWORD, KVB_REGISTRY_AUTH_FILE (a docker/podman auth file holding the login),
# KVB_REGISTRY_STORAGE (the registry's storage directory, which tests tamper with).
#
# Environment:
#   KVB_REGISTRY_CACHE   build cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-kvbackup/registry)
#   KVB_REGISTRY_STATE   state dir of one running registry (default ${TMPDIR:-/tmp}/kubectl-kvbackup-registry-$UID)
set -Eeuo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="$here/registry"
CACHE_ROOT="${KVB_REGISTRY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-kvbackup/registry}"
STATE="${KVB_REGISTRY_STATE:-${TMPDIR:-/tmp}/kubectl-kvbackup-registry-$(id -u)}"
export GOTOOLCHAIN=local GOFLAGS="-mod=readonly" CGO_ENABLED=0

log() { printf '[registry] %s\n' "$*" >&2; }
die() { printf '[registry] error: %s\n' "$*" >&2; exit 1; }

# The cache key: the pinned version and a hash of what determines the binaries.
cache_dir() {
  local version hash
  version=$(awk '$1=="github.com/distribution/distribution/v3"{print $2; exit}' "$SRC/go.mod")
  hash=$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC/regtool/main.go" | sha256sum | cut -c1-10)
  printf '%s/distribution-%s_%s' "$CACHE_ROOT" "$version" "$hash"
}

build() {
  command -v go >/dev/null || die "go is not on PATH"
  BIN="$(cache_dir)/bin"
  if [[ -x $BIN/registry && -x $BIN/regtool ]]; then
    log "binaries: cached in $BIN"
    return
  fi
  local start=$SECONDS
  log "compile the distribution registry ($(basename "$(dirname "$BIN")")) ..."
  rm -rf "$BIN.tmp"
  mkdir -p "$BIN.tmp"
  (cd "$SRC" && go build -trimpath -ldflags='-s -w' -o "$BIN.tmp/" github.com/distribution/distribution/v3/cmd/registry ./regtool) \
    || die "go build failed (see the output above)"
  rm -rf "$BIN"
  mv "$BIN.tmp" "$BIN"
  log "compiled in $((SECONDS - start))s: $BIN"
}

# recorded_pid: the registry's PID if that process still runs our binary (a recycled PID is not ours).
recorded_pid() {
  local pid
  pid=$(cat "$STATE/registry.pid" 2>/dev/null) || return 1
  [[ -n $pid ]] && { tr "\0" " " <"/proc/$pid/cmdline"; } 2>/dev/null | grep -q "/registry serve " && echo "$pid"
}

up() {
  build
  if recorded_pid >/dev/null; then
    log "already running (state $STATE)"
    return
  fi
  rm -rf "$STATE"
  mkdir -p "$STATE/pki" "$STATE/storage"
  chmod 700 "$STATE"
  local pki="$STATE/pki" port user=kvbackup password
  port=$("$BIN/regtool" freeport)
  password=$(openssl rand -hex 16)
  # The control plane's certificate helpers (EC P-256), writing into $PKI.
  # shellcheck source=control-plane/lib/pki.sh
  source "$here/control-plane/lib/pki.sh"
  PKI="$pki"
  pki_ca ca kvbackup-test-registry-ca
  pki_cert registry ca /CN=registry "IP:127.0.0.1,DNS:localhost" serverAuth
  printf '%s\n' "$password" | "$BIN/regtool" htpasswd "$user" >"$STATE/htpasswd"
  cat >"$STATE/config.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $STATE/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: $(openssl rand -hex 16)
  tls:
    certificate: $pki/registry.crt
    key: $pki/registry.key
auth:
  htpasswd:
    realm: kvbackup-test
    path: $STATE/htpasswd
YAML
  # A docker/podman auth file holding the login, as "podman login" writes it.
  printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}\n' "$port" "$(printf '%s:%s' "$user" "$password" | base64 -w0)" >"$STATE/auth.json"
  chmod 600 "$STATE/auth.json" "$STATE/htpasswd" "$STATE/config.yml"
  # OTEL: the registry would otherwise try to export traces to localhost:4318.
  OTEL_TRACES_EXPORTER=none setsid "$BIN/registry" serve "$STATE/config.yml" >"$STATE/registry.log" 2>&1 </dev/null &
  echo $! >"$STATE/registry.pid"
  local i
  for ((i = 0; i < 100; i++)); do
    # /v2/ answers 401 to an anonymous client once the registry is up.
    if [[ $(curl -s -o /dev/null -w '%{http_code}' --cacert "$pki/ca.crt" "https://127.0.0.1:$port/v2/" || true) == 401 ]]; then break; fi
    recorded_pid >/dev/null || { cat "$STATE/registry.log" >&2; die "the registry exited"; }
    sleep 0.1
  done
  [[ $i -lt 100 ]] || { cat "$STATE/registry.log" >&2; die "the registry did not answer in 10s"; }
  cat >"$STATE/env" <<ENV
export KVB_REGISTRY='127.0.0.1:$port'
export KVB_REGISTRY_CA_FILE='$pki/ca.crt'
export KVB_REGISTRY_USER='$user'
export KVB_REGISTRY_PASSWORD='$password'
export KVB_REGISTRY_AUTH_FILE='$STATE/auth.json'
export KVB_REGISTRY_STORAGE='$STATE/storage'
ENV
  log "up: https://127.0.0.1:$port (user $user), state $STATE"
}

env_() {
  [[ -f $STATE/env ]] || die "no registry in $STATE (run: $0 up)"
  recorded_pid >/dev/null || die "the registry in $STATE is not running (run: $0 down; $0 up)"
  cat "$STATE/env"
}

down() {
  if [[ ! -d $STATE ]]; then
    log "nothing to stop: $STATE does not exist"
    return
  fi
  local pid i
  if pid=$(recorded_pid); then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$STATE"
  log "stopped and removed $STATE"
}

case "${1:-}" in
  build) build ;;
  up) up ;;
  env) env_ ;;
  down) down ;;
  *) echo "usage: $0 build|up|env|down" >&2; exit 2 ;;
esac

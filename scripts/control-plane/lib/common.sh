# Shared settings for control-plane.sh. Versions are pinned by the Go modules
# next to this file (go.mod / crdgen/go.mod); the cache key is derived from them.

CP_SRC="$(cd "$here/control-plane" && pwd)"
CP_LIB="$CP_SRC/lib"
CP_CACHE_ROOT="${KVB_CP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-kvbackup/control-plane}"
CP_STATE="${KVB_CP_STATE:-${TMPDIR:-/tmp}/kubectl-kvbackup-cp-$(id -u)}"

# Never let the go command fetch another toolchain, and keep builds reproducible.
export GOTOOLCHAIN=local GOFLAGS="-mod=readonly" CGO_ENABLED=0

log() { printf '[control-plane] %s\n' "$*" >&2; }
die() { printf '[control-plane] error: %s\n' "$*" >&2; exit 1; }

# module_version DIR MODULE: the version of MODULE selected in DIR's go.mod.
module_version() {
  (cd "$1" && go list -m -f '{{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}' "$2")
}

# The cache key names the pinned versions and hashes everything that
# determines the build output, so a changed pin never reuses stale binaries.
cp_cache_dir() {
  local k8s kv cdi hash
  k8s=$(awk '$1=="k8s.io/kubernetes"{print $2; exit}' "$CP_SRC/go.mod")
  kv=$(awk '$1=="kubevirt.io/kubevirt"{print $2; exit}' "$CP_SRC/crdgen/go.mod")
  cdi=$(awk '$1=="kubevirt.io/containerized-data-importer"{print $2; exit}' "$CP_SRC/crdgen/go.mod")
  hash=$(cat "$CP_SRC/go.mod" "$CP_SRC/go.sum" "$CP_SRC/crdgen/go.mod" "$CP_SRC/crdgen/go.sum" \
    "$CP_SRC/crdgen/main.go" "$CP_LIB/build.sh" "$here/oci-image.sh" | sha256sum | cut -c1-10)
  printf '%s/k8s-%s_kubevirt-%s_cdi-%s_%s' "$CP_CACHE_ROOT" "$k8s" "$kv" "$cdi" "$hash"
}

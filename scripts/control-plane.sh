#!/usr/bin/env bash
# A real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager)
# with the KubeVirt, CDI and CSI-snapshot CRDs, plus a simulator that plays the
# KubeVirt/CDI controllers, for the end-to-end tests. Everything binds to
# 127.0.0.1 only.
#
#   control-plane.sh build [--with-node]  compile binaries and generate CRDs into the cache (idempotent, resumable)
#   control-plane.sh up [--with-node]     start a control plane in $KVB_CP_STATE (builds first if needed);
#                                         --with-node adds a real node (kubelet, containerd, kube-scheduler,
#                                         the Job controllers; root and Debian packages, see lib/node.sh)
#   control-plane.sh env                  print shell exports for the running control plane
#   control-plane.sh down                 stop the recorded processes, remove the node's traces and $KVB_CP_STATE
#
# Environment:
#   KVB_CP_CACHE   build cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-kvbackup/control-plane)
#   KVB_CP_STATE   state dir of one running control plane (default ${TMPDIR:-/tmp}/kubectl-kvbackup-cp-$UID)
set -Eeuo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=control-plane/lib/common.sh
source "$here/control-plane/lib/common.sh"

command=${1:-}
WITH_NODE=0
if [[ ${2:-} == --with-node && ($command == build || $command == up) ]]; then
  WITH_NODE=1
elif [[ -n ${2:-} ]]; then
  echo "usage: $0 build|up [--with-node] | env | down" >&2; exit 2
fi

case "$command" in
  build) source "$CP_LIB/build.sh"; cp_build ;;
  up)    source "$CP_LIB/build.sh"; source "$CP_LIB/up.sh"; cp_build; cp_up ;;
  env)   source "$CP_LIB/down.sh"; cp_env ;;
  down)  source "$CP_LIB/down.sh"; cp_down ;;
  *) echo "usage: $0 build|up [--with-node] | env | down" >&2; exit 2 ;;
esac

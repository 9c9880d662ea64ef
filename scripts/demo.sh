#!/usr/bin/env bash
# The whole job on one machine: a local control plane, a namespace of VMs, then export → transform → restore
# into a second namespace, printing each step. `--keep` leaves the control plane running afterwards.
set -Eeuo pipefail
cd "$(dirname "$0")/.."

keep=false
[[ "${1:-}" == "--keep" ]] && keep=true
export KVB_CP_STATE="${KVB_CP_STATE:-${TMPDIR:-/tmp}/kubectl-kvbackup-demo}"
work="$(mktemp -d)"
cleanup() {
  rm -rf "$work"
  if [[ "$keep" == false ]]; then bash scripts/control-plane.sh down >/dev/null; fi
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }
kvbackup() { node cmd/kubectl-kvbackup.ts "$@"; }

step "Start a local control plane (etcd, kube-apiserver, KubeVirt and CDI CRDs, simulated controllers)"
bash scripts/control-plane.sh up
eval "$(bash scripts/control-plane.sh env)"
kubectl="${KVB_CP_KUBECTL:-kubectl}"

step "Create namespace demo: two VMs, an instancetype, a preference, a DataVolume, a Secret and a ConfigMap"
run "$kubectl" create namespace demo
run "$kubectl" apply -n demo -f testdata/demo/vms.yaml
run "$kubectl" wait -n demo --for=jsonpath='{.status.phase}'=Succeeded datavolume/web-root datavolume/db-data --timeout=60s
run "$kubectl" wait -n demo --for=jsonpath='{.status.printableStatus}'=Running vm/web --timeout=60s

step "What depends on what"
run kvbackup graph -f <("$kubectl" get -n demo vm,vmi,dv,pvc,secret,configmap,controllerrevision,virtualmachineinstancetype,virtualmachinepreference -o json)

step "Export: freeze the running guest, snapshot both VMs, thaw, export the volumes and download them"
run kvbackup export -n demo --snapshot --export --with-data --output-file "$work/demo.kvb" -v=1
run kvbackup validate "$work/demo.kvb"
run kvbackup inspect "$work/demo.kvb"

step "Transform for a copy in namespace demo-copy: new MACs, serials and UUIDs; VMs halted; every change reported"
run kvbackup transform -f "$work/demo.kvb" --target-namespace demo-copy --run-strategy Halted --seed demo \
  --report "$work/report.json" --output-file "$work/demo-copy.kvb"
node -e 'const r = require(process.argv[1]); for (const c of r.changes.filter((c) => c.rule.startsWith("remap-"))) console.error(`  ${c.rule}: ${c.object.kind} ${c.object.name} ${c.path}: ${c.old} → ${c.new}`); console.error(`  ${r.changes.length} changes, ${r.dropped.length} objects dropped`)' "$work/report.json"

step "Restore into demo-copy: volume data uploaded through CDI's upload proxy, no connection to the source"
run kvbackup restore -f "$work/demo-copy.kvb" --wait --timeout 120
run "$kubectl" get -n demo-copy vm,dv,pvc,secret,configmap

step "Restore again: nothing changes"
run kvbackup restore -f "$work/demo-copy.kvb"

step "Done"
if [[ "$keep" == true ]]; then
  echo "The control plane keeps running: eval \"\$(KVB_CP_STATE=$KVB_CP_STATE bash scripts/control-plane.sh env)\"; stop it with KVB_CP_STATE=$KVB_CP_STATE bash scripts/control-plane.sh down" >&2
fi

# control-plane.sh up: start etcd, kube-apiserver, the CRDs, kube-controller-
# manager and the simulator on 127.0.0.1, register the aggregated APIs, and
# write $KVB_CP_STATE/{env,*.kubeconfig,pids/,logs/}; with --with-node also a
# real node (node.sh).

source "$CP_LIB/pki.sh"
source "$CP_LIB/down.sh"

cp_up() {
  local start=$SECONDS
  if [[ -d $CP_STATE ]]; then
    if state_alive; then
      die "a control plane is already running in $CP_STATE (run: $0 down, or set KVB_CP_STATE)"
    fi
    log "removing stale state $CP_STATE"
    # A node's leftovers (mounts, namespaces, settings) are undone before its directory goes.
    node_down || die "the stale node in $CP_STATE was not removed cleanly (see $CP_STATE/node/machine.diff)"
    rm -rf "$CP_STATE"
  fi
  if [[ ${WITH_NODE:-} == 1 ]]; then
    node_preflight
  fi
  mkdir -p "$CP_STATE/pids" "$CP_STATE/logs"
  BIN="$CP_DIR/bin"
  # On any failure: stop what was started, keep the logs for the post-mortem.
  trap 'up_failed' ERR
  local ports
  ports=$("$SIM_BIN" freeport 3)
  ETCD_PORT=$(sed -n 1p <<<"$ports") ETCD_PEER_PORT=$(sed -n 2p <<<"$ports") API_PORT=$(sed -n 3p <<<"$ports")
  make_pki
  KUBECTL=("$BIN/kubectl" --kubeconfig "$CP_STATE/admin.kubeconfig")

  start_etcd
  start_apiserver
  install_crds
  start_controller_manager
  start_simulator
  register_apiservices
  write_env
  if [[ ${WITH_NODE:-} == 1 ]]; then
    node_up
  fi
  trap - ERR
  log "up in $((SECONDS - start))s: apiserver https://127.0.0.1:$API_PORT, state $CP_STATE"
  log "use it with: eval \"\$($0 env)\""
}

up_failed() {
  log "up failed; log tails follow (full logs in $CP_STATE/logs)"
  for f in "$CP_STATE"/logs/*.log; do
    [[ -f $f ]] && { echo "--- $f"; tail -n 25 "$f"; } >&2
  done
  node_down || true
  stop_recorded
}

start_proc() { # NAME CMD...: own session, so a terminal's Ctrl-C does not reach it
  local name=$1
  shift
  setsid "$@" </dev/null >"$CP_STATE/logs/$name.log" 2>&1 &
  echo $! >"$CP_STATE/pids/$name.pid"
}

wait_until() { # DESC SECONDS PROCESS CMD...
  local desc=$1 deadline=$((SECONDS + $2)) proc=$3
  shift 3
  until "$@" >/dev/null 2>&1; do
    kill -0 "$(cat "$CP_STATE/pids/$proc.pid")" 2>/dev/null || { log "$proc exited"; return 1; }
    ((SECONDS < deadline)) || { log "timed out waiting for $desc"; return 1; }
    sleep 0.2
  done
}

start_etcd() {
  log "starting etcd on 127.0.0.1:$ETCD_PORT"
  start_proc etcd "$BIN/etcd" --name default --data-dir "$CP_STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "default=http://127.0.0.1:$ETCD_PEER_PORT" --unsafe-no-fsync --log-level warn
  wait_until "etcd" 30 etcd curl -fsS "http://127.0.0.1:$ETCD_PORT/readyz"
}

start_apiserver() {
  log "starting kube-apiserver on 127.0.0.1:$API_PORT"
  # --advertise-address: otherwise it advertises the host's default-route IP.
  # --endpoint-reconciler-type=none: Endpoints may not hold loopback addresses.
  start_proc kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --cert-dir "$CP_STATE/apiserver-certs" \
    --client-ca-file "$PKI/ca.crt" --token-auth-file "$CP_STATE/tokens.csv" \
    --authorization-mode RBAC \
    --service-account-issuer "https://127.0.0.1:$API_PORT" \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --service-cluster-ip-range 10.0.0.0/24 --endpoint-reconciler-type none --allow-privileged \
    --requestheader-client-ca-file "$PKI/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$PKI/front-proxy-client.crt" --proxy-client-key-file "$PKI/front-proxy-client.key" \
    --profiling=false
  wait_until "kube-apiserver /readyz" 90 kube-apiserver \
    curl -fsS --cacert "$PKI/ca.crt" "https://127.0.0.1:$API_PORT/readyz"
}

install_crds() {
  log "installing $(ls "$CP_DIR/crds"/*.yaml | wc -l) CRDs"
  "${KUBECTL[@]}" apply --server-side -f "$CP_DIR/crds/" >"$CP_STATE/logs/crds.log"
  "${KUBECTL[@]}" wait --for condition=Established crd --all --timeout 120s >>"$CP_STATE/logs/crds.log"
  "${KUBECTL[@]}" apply --server-side -f - >>"$CP_STATE/logs/crds.log" <<'YAML'
apiVersion: v1
kind: Namespace
metadata: {name: kubevirt}
---
apiVersion: v1
kind: Namespace
metadata: {name: cdi}
---
# The simulated storage: every claim binds (see sim/storage.go).
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: kvbackup-test
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: sim.kvbackup.test
reclaimPolicy: Delete
volumeBindingMode: Immediate
allowVolumeExpansion: true
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotClass
metadata:
  name: kvbackup-test
  annotations: {snapshot.storage.kubernetes.io/is-default-class: "true"}
driver: sim.kvbackup.test
deletionPolicy: Delete
YAML
}

start_controller_manager() {
  # Started after the CRDs so its garbage collector knows them from the start.
  log "starting kube-controller-manager"
  start_proc kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig "$CP_STATE/kcm.kubeconfig" --leader-elect=false --bind-address 127.0.0.1 --secure-port 0 \
    --controllers namespace-controller,garbage-collector-controller,serviceaccount-controller,serviceaccount-token-controller,root-ca-certificate-publisher-controller,clusterrole-aggregation-controller,persistentvolumeclaim-protection-controller,persistentvolume-protection-controller \
    --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
    --use-service-account-credentials=false
  wait_until "the default ServiceAccount" 60 kube-controller-manager \
    "${KUBECTL[@]}" get serviceaccount default --namespace default
}

start_simulator() {
  log "starting the KubeVirt/CDI simulator"
  mkdir -p "$CP_STATE/sim"
  start_proc kvb-sim "$SIM_BIN" serve --kubeconfig "$CP_STATE/sim.kubeconfig" --state-dir "$CP_STATE/sim" \
    --ca-cert "$PKI/ca.crt" --serving-cert "$PKI/simulator.crt" --serving-key "$PKI/simulator.key" \
    --front-proxy-ca "$PKI/front-proxy-ca.crt"
  wait_until "the simulator" 60 kvb-sim test -f "$CP_STATE/sim/endpoints.json"
  SIM_API_PORT=$(sim_port apiPort) SIM_EXPORT_PORT=$(sim_port exportPort)
  SIM_UPLOAD_PORT=$(sim_port uploadPort) SIM_CONTROL_PORT=$(sim_port controlPort)
}

sim_port() { sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p" "$CP_STATE/sim/endpoints.json"; }

# The aggregator cannot dial loopback through Endpoints/EndpointSlices (their
# validation rejects 127.0.0.0/8), and a ClusterIP needs kube-proxy. With
# aggregator routing off it resolves an ExternalName Service to its host name
# and dials that, verifying the certificate for <service>.<namespace>.svc.
register_apiservices() {
  log "registering subresources.kubevirt.io and upload.cdi.kubevirt.io"
  local ca
  ca=$(base64 -w0 <"$PKI/ca.crt")
  "${KUBECTL[@]}" apply --server-side -f - >"$CP_STATE/logs/apiservices.log" <<YAML
apiVersion: v1
kind: Service
metadata: {name: virt-api, namespace: kubevirt}
spec: {type: ExternalName, externalName: localhost}
---
apiVersion: v1
kind: Service
metadata: {name: cdi-api, namespace: cdi}
spec: {type: ExternalName, externalName: localhost}
$(for v in v1 v1alpha3; do apiservice "$v" subresources.kubevirt.io kubevirt virt-api "$ca"; done)
$(apiservice v1beta1 upload.cdi.kubevirt.io cdi cdi-api "$ca")
YAML
  "${KUBECTL[@]}" wait --for condition=Available --timeout 60s \
    apiservice/v1.subresources.kubevirt.io apiservice/v1alpha3.subresources.kubevirt.io \
    apiservice/v1beta1.upload.cdi.kubevirt.io >>"$CP_STATE/logs/apiservices.log"
}

apiservice() { # VERSION GROUP NAMESPACE SERVICE CABUNDLE
  cat <<YAML
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: $1.$2}
spec:
  group: $2
  version: $1
  groupPriorityMinimum: 1000
  versionPriority: 15
  caBundle: $5
  service: {namespace: $3, name: $4, port: $SIM_API_PORT}
YAML
}

write_env() {
  local vars=(
    "KUBECONFIG=$CP_STATE/admin.kubeconfig"
    "KVB_CP_STATE=$CP_STATE"
    "KVB_CP_ENV=$CP_STATE/env"
    "KVB_CP_BIN=$BIN"
    "KVB_CP_KUBECTL=$BIN/kubectl"
    "KVB_CP_USER_KUBECONFIG=$CP_STATE/user.kubeconfig"
    "KVB_CP_CA_FILE=$PKI/ca.crt"
    "KVB_CP_API_URL=https://127.0.0.1:$API_PORT"
    "KVB_CP_SIM_CONTROL_URL=http://127.0.0.1:$SIM_CONTROL_PORT"
    "KVB_CP_EXPORT_URL=https://127.0.0.1:$SIM_EXPORT_PORT"
    "KVB_CP_UPLOAD_URL=https://127.0.0.1:$SIM_UPLOAD_PORT"
    "KVB_CP_STORAGE_CLASS=kvbackup-test"
  )
  printf "export %s\n" "${vars[@]/=/=\'}" | sed "s/\$/'/" >"$CP_STATE/env"
}

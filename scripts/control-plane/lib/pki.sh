# Certificates and credentials for one control plane (EC P-256: fast to make).
# Two CAs as in kubeadm: the cluster CA (apiserver and simulator serving certs,
# trusted by clients and the aggregator) and the front-proxy CA (the client
# certificate the aggregator presents to aggregated API servers).

pki_ca() { # NAME CN
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -subj "/CN=$2" -keyout "$PKI/$1.key" -out "$PKI/$1.crt" 2>/dev/null
}

pki_cert() { # NAME CA SUBJECT SANS USAGE
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "$3" -keyout "$PKI/$1.key" -out "$PKI/$1.csr" 2>/dev/null
  local ext="extendedKeyUsage=$5"
  [[ -n $4 ]] && ext="$ext"$'\n'"subjectAltName=$4"
  openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/$2.crt" -CAkey "$PKI/$2.key" -CAcreateserial \
    -days 30 -out "$PKI/$1.crt" -extfile <(printf '%s\n' "$ext") 2>/dev/null
  rm -f "$PKI/$1.csr"
}

make_pki() {
  PKI="$CP_STATE/pki"
  mkdir -p "$PKI"
  pki_ca ca kvbackup-test-ca
  pki_ca front-proxy-ca kvbackup-test-front-proxy-ca
  pki_cert apiserver ca /CN=kube-apiserver \
    "IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc" serverAuth
  # The aggregator verifies the name <service>.<namespace>.svc of the APIService.
  pki_cert simulator ca /CN=kvb-sim \
    "DNS:virt-api.kubevirt.svc,DNS:cdi-api.cdi.svc,DNS:localhost,IP:127.0.0.1" serverAuth
  pki_cert front-proxy-client front-proxy-ca /CN=front-proxy-client "" clientAuth
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/sa.key"
  openssl ec -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null

  # Static tokens: token,user,uid,"groups". "user" has no rights unless a test grants them.
  # The kubelet and kube-scheduler ones serve `up --with-node` (RBAC's own
  # system:node and system:kube-scheduler roles).
  local admin kcm sim user kubelet scheduler
  admin=$(openssl rand -hex 16) kcm=$(openssl rand -hex 16) sim=$(openssl rand -hex 16) user=$(openssl rand -hex 16)
  kubelet=$(openssl rand -hex 16) scheduler=$(openssl rand -hex 16)
  cat > "$CP_STATE/tokens.csv" <<CSV
$admin,kvb-admin,kvb-admin,"system:masters"
$kcm,system:kube-controller-manager,kcm,"system:masters"
$sim,kvb-sim,kvb-sim,"system:masters"
$user,kvb-user,kvb-user,""
$kubelet,system:node:localhost,kubelet,"system:nodes"
$scheduler,system:kube-scheduler,kube-scheduler,""
CSV
  write_kubeconfig admin "$admin"
  write_kubeconfig kcm "$kcm"
  write_kubeconfig sim "$sim"
  write_kubeconfig user "$user"
  write_kubeconfig kubelet "$kubelet"
  write_kubeconfig scheduler "$scheduler"
}

write_kubeconfig() { # NAME TOKEN
  cat > "$CP_STATE/$1.kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: kvbackup-test
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $(base64 -w0 < "$PKI/ca.crt")
users:
- name: $1
  user:
    token: $2
contexts:
- name: kvbackup-test-$1
  context:
    cluster: kvbackup-test
    user: $1
    namespace: default
current-context: kvbackup-test-$1
YAML
  chmod 600 "$CP_STATE/$1.kubeconfig"
}

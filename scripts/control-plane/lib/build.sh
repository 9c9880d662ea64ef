# control-plane.sh build: compile etcd, kube-apiserver, kube-controller-manager,
# kubectl and the simulator, and generate the CRDs, into the cache; with
# --with-node also kubelet, kube-scheduler and the pause image. Each step is
# skipped when its output is already there; an interrupted build resumes from
# the go build cache.

source "$CP_LIB/node.sh"

cp_build() {
  command -v go >/dev/null || die "go is not on PATH"
  CP_DIR="$(cp_cache_dir)"
  mkdir -p "$CP_DIR"
  build_kube
  build_crds
  build_sim
  if [[ ${WITH_NODE:-} == 1 ]]; then
    build_node
  fi
  log "build complete: $CP_DIR"
}

# timed NAME CMD...: run a step, report its duration, fail with its own error.
timed() {
  local name=$1 start=$SECONDS
  shift
  log "$name ..."
  "$@" || die "$name failed (see the output above)"
  log "$name done in $((SECONDS - start))s"
}

# The Kubernetes version the binaries are built from (go.mod pins it).
kube_version() { awk '$1=="k8s.io/kubernetes"{print $2; exit}' "$CP_SRC/go.mod"; }

# kube_ldflags: without the version stamps /version would report v0.0.0-master.
kube_ldflags() {
  local k8s minor
  k8s=$(kube_version)
  minor=${k8s#v1.}; minor=${minor%%.*}
  echo "-s -w -X k8s.io/component-base/version.gitVersion=$k8s" \
    "-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" \
    "-X k8s.io/component-base/version.gitTreeState=clean" \
    "-X k8s.io/client-go/pkg/version.gitVersion=$k8s" \
    "-X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
}

build_kube() {
  local bin="$CP_DIR/bin" k8s
  if [[ -x $bin/etcd && -x $bin/kube-apiserver && -x $bin/kube-controller-manager && -x $bin/kubectl ]]; then
    log "kube binaries: cached in $bin"
    return
  fi
  k8s=$(kube_version)
  mkdir -p "$bin.tmp"
  timed "download modules for Kubernetes $k8s" bash -c "cd '$CP_SRC' && go mod download"
  # One go build for all four shares the compiled dependency graph.
  timed "compile kube-apiserver, kube-controller-manager, kubectl, etcd (Kubernetes $k8s)" \
    bash -c "cd '$CP_SRC' && go build -trimpath -ldflags='$(kube_ldflags)' -o '$bin.tmp/' \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kubectl go.etcd.io/etcd/server/v3"
  # go names the etcd binary after its package path element "server".
  mkdir -p "$bin"
  mv "$bin.tmp/server" "$bin/etcd"
  mv "$bin.tmp/kube-apiserver" "$bin.tmp/kube-controller-manager" "$bin.tmp/kubectl" "$bin/"
  rmdir "$bin.tmp"
}

# KubeVirt builds its CRDs in Go inside virt-operator (components/crds.go plus
# the generated schemas); importing that package would drag in modules the
# proxy does not serve, so the two self-contained files are compiled into the
# generator from KubeVirt's own module source.
build_crds() {
  local out="$CP_DIR/crds" src="$CP_DIR/crdgen-src"
  if [[ -f $out/.complete ]]; then
    log "CRDs: cached in $out"
    return
  fi
  rm -rf "$src" "$out.tmp"
  mkdir -p "$src/components" "$out.tmp"
  cp "$CP_SRC/crdgen/go.mod" "$CP_SRC/crdgen/go.sum" "$CP_SRC/crdgen/main.go" "$src/"
  timed "download KubeVirt, CDI and snapshotter modules" bash -c "cd '$src' && go mod download"
  local kv snap
  kv=$(cd "$src" && go list -m -f '{{.Dir}}' kubevirt.io/kubevirt)
  snap=$(cd "$src" && go list -m -f '{{.Dir}}' github.com/kubernetes-csi/external-snapshotter/client/v8)
  cp "$kv/pkg/virt-operator/resource/generate/components/crds.go" \
     "$kv/pkg/virt-operator/resource/generate/components/validations_generated.go" "$src/components/"
  chmod u+w "$src/components/"*
  timed "generate KubeVirt and CDI CRDs" bash -c "cd '$src' && go build -trimpath -o crdgen . && ./crdgen '$out.tmp' >/dev/null"
  cp "$snap"/config/crd/snapshot.storage.k8s.io_*.yaml "$out.tmp/"
  touch "$out.tmp/.complete"
  mv "$out.tmp" "$out"
  rm -rf "$src"
  log "CRDs: $(ls "$out" | wc -l) files in $out"
}

# The simulator changes with the tests, so it is keyed by its own sources:
# one binary per source hash (SIM_BIN), so that control planes started from
# different work trees never run each other's simulator.
build_sim() {
  local hash
  hash=$(cd "$CP_SRC" && cat go.mod go.sum $(find sim -name '*.go' | sort) | sha256sum | cut -c1-16)
  SIM_BIN="$CP_DIR/sim/$hash/kvb-sim"
  if [[ -x $SIM_BIN ]]; then
    log "simulator: cached ($SIM_BIN)"
    return
  fi
  mkdir -p "$(dirname "$SIM_BIN")"
  timed "compile simulator" bash -c "cd '$CP_SRC' && go build -trimpath -ldflags='-s -w' -o '$SIM_BIN.tmp.$$' ./sim"
  mv "$SIM_BIN.tmp.$$" "$SIM_BIN"
}

# The node's parts, only for `--with-node`: kubelet and kube-scheduler from the
# same Kubernetes module as the control plane (a go build of their own, so a
# control plane without a node never pays for them; the go build cache shares
# every package the two have in common with the others), and the pause image,
# compiled as Kubernetes does (build/pause/Makefile) from the module's pause.c.
build_node() {
  local bin="$CP_DIR/bin" k8s
  k8s=$(kube_version)
  node_require_packages
  if [[ -x $bin/kubelet && -x $bin/kube-scheduler ]]; then
    log "kubelet, kube-scheduler: cached in $bin"
  else
    mkdir -p "$bin.node.tmp"
    timed "compile kubelet, kube-scheduler (Kubernetes $k8s)" \
      bash -c "cd '$CP_SRC' && go build -trimpath -ldflags='$(kube_ldflags)' -o '$bin.node.tmp/' \
        k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-scheduler"
    mv "$bin.node.tmp/kubelet" "$bin.node.tmp/kube-scheduler" "$bin/"
    rmdir "$bin.node.tmp"
  fi
  local image="$CP_DIR/images/pause.oci.tar"
  if [[ -f $image && -f $CP_DIR/images/pause.ref ]]; then
    log "pause image: cached in $image"
    return
  fi
  command -v gcc >/dev/null || die "gcc is not on PATH (the pause image is compiled from Kubernetes' pause.c)"
  local src tag rootfs
  src=$(cd "$CP_SRC" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)/build/pause
  tag=$(sed -n 's/^TAG ?= *//p' "$src/Makefile")
  rootfs=$(mktemp -d)
  mkdir -p "$rootfs/bin" "$CP_DIR/images"
  gcc -Os -Wall -Werror -static "-DVERSION=v$tag-kvbackup" -o "$rootfs/bin/pause" "$src/linux/pause.c"
  bash "$here/oci-image.sh" "$image.tmp" "$tag" "$rootfs" \
    --config.entrypoint /bin/pause --config.user 65535:65535 >/dev/null
  rm -rf "$rootfs"
  mv "$image.tmp" "$image"
  # The name `ctr images import --base-name localhost/pause` gives it.
  echo "localhost/pause:$tag" >"$CP_DIR/images/pause.ref"
  log "pause image localhost/pause:$tag: $image"
}

#!/usr/bin/env bash
# npm run image: the tool's own OCI image, localhost/kubectl-kvbackup:<version>, made reproducibly from the
# linux-amd64 single executable of the release (built first when missing: npm run release -- --platforms
# linux-amd64) and the C libraries it links, and imported into the node's containerd when a control plane with
# a node runs (scripts/control-plane.sh up --with-node). No registry is involved.
#
#   npm run image -- [--out FILE] [--no-import]
#
# The same executable and libraries give the same digest (scripts/oci-image.sh fixes every timestamp).
set -Eeuo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' package.json)
name=localhost/kubectl-kvbackup
out="release/kubectl-kvbackup-v$version-image.oci.tar"
import=1
while (($#)); do
  case $1 in
    --out) out=${2:?--out needs a file}; shift 2 ;;
    --no-import) import=0; shift ;;
    *) echo "usage: $0 [--out FILE] [--no-import]" >&2; exit 2 ;;
  esac
done
log() { printf 'image: %s\n' "$*" >&2; }

archive="release/kubectl-kvbackup-v$version-linux-amd64.tar.gz"
if [[ ! -f $archive ]]; then
  log "$archive is missing; building it"
  npm run --silent release -- --platforms linux-amd64 >&2
fi

rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"
tar -xzf "$archive" -C "$rootfs/bin" kubectl-kvbackup
# The executable is Node.js, linked against glibc and libstdc++: the image carries the host's copies of exactly
# the libraries it loads, at the paths it loads them from.
ldd "$rootfs/bin/kubectl-kvbackup" | grep -o '/[^ ]*' | while read -r lib; do
  mkdir -p "$rootfs$(dirname "$lib")"
  cp -L "$lib" "$rootfs$lib"
done
# A non-root user, for Pods that require one (runAsNonRoot).
printf 'root:x:0:0:root:/root:/sbin/nologin\nkvbackup:x:65532:65532:kvbackup:/tmp:/sbin/nologin\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nkvbackup:x:65532:\n' >"$rootfs/etc/group"

digest=$(bash scripts/oci-image.sh "$out" "$version" "$rootfs" \
  --config.entrypoint /bin/kubectl-kvbackup --config.env PATH=/bin --config.env HOME=/tmp \
  --config.workingdir /tmp --config.user 65532:65532 \
  --config.label org.opencontainers.image.title=kubectl-kvbackup \
  --config.label "org.opencontainers.image.version=$version" \
  --config.label org.opencontainers.image.licenses=Apache-2.0)
log "$name:$version $digest ($out)"

if ((import)); then
  address=$(bash scripts/control-plane.sh env 2>/dev/null | sed -n "s/^export KVB_CP_CONTAINERD_ADDRESS='\(.*\)'$/\1/p")
  if [[ -n $address ]]; then
    ctr --address "$address" --namespace k8s.io images import --base-name "$name" "$out" >/dev/null
    log "imported into the node's containerd ($address)"
  else
    log "no control plane with a node is running: not imported"
  fi
fi
echo "$digest"

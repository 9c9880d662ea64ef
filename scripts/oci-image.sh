#!/usr/bin/env bash
# A reproducible single-layer OCI image from a directory tree, with umoci and no registry: the same tree gives the
# same image digest, because every timestamp is fixed (the layer's files, the config's created time and its
# history) and the layout is archived in a fixed order with fixed owners.
#
#   oci-image.sh OUT.tar TAG ROOTFS [umoci config flags...]
#
# OUT.tar is an OCI image layout (what `ctr images import` and `skopeo copy oci-archive:` read) whose one manifest
# carries the tag TAG (org.opencontainers.image.ref.name). Prints the manifest digest on stdout.
set -Eeuo pipefail

[[ $# -ge 3 ]] || { echo "usage: $0 OUT.tar TAG ROOTFS [umoci config flags...]" >&2; exit 2; }
out=$1 tag=$2 rootfs=$3
shift 3
for tool in umoci tar; do
  command -v "$tool" >/dev/null || { echo "oci-image: $tool is not installed (Debian: apt-get install $tool)" >&2; exit 1; }
done
[[ -d $rootfs ]] || { echo "oci-image: $rootfs is not a directory" >&2; exit 1; }

# SOURCE_DATE_EPOCH (reproducible-builds.org) names the fixed time; the epoch by default.
epoch=${SOURCE_DATE_EPOCH:-0}
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
layout="$work/layout"
umoci init --layout "$layout"
umoci new --image "$layout:$tag"
# unpack as root keeps the tree's owners; the bundle's rootfs is where the layer's files go.
umoci unpack --image "$layout:$tag" "$work/bundle" >/dev/null
cp -a "$rootfs/." "$work/bundle/rootfs/"
find "$work/bundle/rootfs" -exec touch --no-dereference --date "@$epoch" {} +
umoci repack --history.created "$created" --history.created_by "oci-image.sh" --image "$layout:$tag" "$work/bundle"
umoci config --no-history --image "$layout:$tag" --created "$created" "$@"
umoci gc --layout "$layout"

find "$layout" -exec touch --no-dereference --date "@$epoch" {} +
mkdir -p "$(dirname "$out")"
tar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner --format=posix \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -C "$layout" -cf "$out.tmp.$$" .
mv "$out.tmp.$$" "$out"
# The digest of the manifest the tag names, as registries and containerd report it.
sed -n 's/.*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p' "$layout/index.json"

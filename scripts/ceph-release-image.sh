#!/usr/bin/env bash
# Builds the image of one Ceph release for lab/ceph-lab --release (there is no registry): a
# debootstrap base of the Debian suite that ships it, then the Ceph daemons and client libraries
# (lab/images/ceph.Containerfile); with --compute, a compute host of that release on top of it
# (lab/images/compute.Containerfile: libvirtd, qemu, Ganesha, Ganeti); with --openstack, the OpenStack
# release paired with it (lab/images/openstack.Containerfile: Reef with 2025.1, Tentacle with 2026.2).
# Cached by recipe hash; prints the image name.
#   scripts/ceph-release-image.sh reef|tentacle [--compute|--openstack]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/image-lib.sh
. "$top/scripts/image-lib.sh"
release=${1:-}
variant=${2:-}
case "$variant" in ""|--compute|--openstack) ;; *) echo "ceph-release-image: unknown option $variant (--compute or --openstack)" >&2; exit 2;; esac
case "$release" in
  reef) suite=trixie; script="";;          # Ceph 18.2.7, Python 3.13
  tentacle) suite=forky; script=/usr/share/debootstrap/scripts/sid;;   # Ceph 20.2.4, Python 3.14
  *) echo "ceph-release-image: release must be reef or tentacle, got '${release}'" >&2; exit 2;;
esac
build_base "localhost/cephstack-base:$suite" "$suite" "$script" >&2
image=localhost/cephstack-ceph:$release
build_layer "$image" "$top/lab/images/ceph.Containerfile" "$base_hash" --build-arg "SUITE=$suite" >&2
if [ "$variant" = --openstack ]; then
  image=localhost/cephstack-openstack:$release
  build_layer "$image" "$top/lab/images/openstack.Containerfile" "$layer_hash" --build-arg "RELEASE=$release" >&2
elif [ -n "$variant" ]; then
  image=localhost/cephstack-ceph-compute:$release
  # the host's CA bundle: pip in the build trusts what pip on the host trusts
  build_layer "$image" "$top/lab/images/compute.Containerfile" "$layer_hash" --build-arg "RELEASE=$release" \
    --volume /etc/ssl/certs/ca-certificates.crt:/run/host-ca.crt:ro >&2
fi
echo "$image"

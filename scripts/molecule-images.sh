#!/usr/bin/env bash
# Builds the molecule instances' images locally (there is no registry): a debootstrap base, then
# one layer per kind of host (molecule/images/<name>.Containerfile). Idempotent: an image whose
# recipe has not changed is reused (the recipe's hash is a label of the image).
#   scripts/molecule-images.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
images=$top/molecule/images
# shellcheck source=scripts/image-lib.sh
. "$top/scripts/image-lib.sh"

build_base localhost/cephstack-base:bookworm bookworm
layer() { build_layer "localhost/cephstack-$1:bookworm" "$images/$1.Containerfile" "$2"; }
layer ceph-client "$base_hash"
client_hash=$layer_hash
for name in glance cinder compute manila cephfs-client ganeti; do
  layer "$name" "$client_hash"
done
layer manila "$client_hash"
layer manila-nfs "$layer_hash"
podman images --filter reference='localhost/cephstack-*' --format '{{.Repository}}:{{.Tag}} {{.Size}}'

#!/usr/bin/env bash
# Builds the molecule instances' images locally (there is no registry): a debootstrap base, then
# one layer per kind of host (molecule/images/<name>.Containerfile). Idempotent: an image whose
# recipe has not changed is reused (the recipe's hash is a label of the image).
#   scripts/molecule-images.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
images=$top/molecule/images
podman_opts=(--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=4096:4096)
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
mirror=${mirror:-http://deb.debian.org/debian}

current_hash() { podman image inspect --format '{{ index .Labels "cephstack.recipe" }}' "$1" 2>/dev/null || true; }

base=localhost/cephstack-base:bookworm
base_packages=python3,sudo,ca-certificates
base_recipe="bookworm minbase $base_packages policy-rc.d=101"
want=$( (echo "$base_recipe"; cat /etc/apt/sources.list.d/debian.sources) | sha256sum | cut -c1-16)
if [ "$(current_hash "$base")" != "$want" ]; then
  echo "molecule-images: building $base (debootstrap from $mirror)"
  root=$(mktemp -d /var/tmp/cephstack-rootfs.XXXXXX)
  trap 'rm -rf "$root"' EXIT
  debootstrap --variant=minbase --include=$base_packages bookworm "$root" "$mirror" >/dev/null
  cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/debian.sources"
  rm -f "$root/etc/apt/sources.list"
  echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/10no-check-valid-until"
  # No init system in the instances: packages must not try to start their services.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 0755 "$root/usr/sbin/policy-rc.d"
  tar -C "$root" -c . | podman import --change "LABEL cephstack.recipe=$want" --change 'CMD ["sleep", "infinity"]' - "$base" >/dev/null
  rm -rf "$root"
  trap - EXIT
fi

# Layers on the ceph client layer. A recipe hash covers the parent's, so a changed parent rebuilds it.
build_layer() {
  local name=$1 parent_hash=$2 image=localhost/cephstack-$1:bookworm file=$images/$1.Containerfile log
  layer_hash=$(printf '%s %s' "$parent_hash" "$(sha256sum <"$file")" | sha256sum | cut -c1-16)
  [ "$(current_hash "$image")" = "$layer_hash" ] && return
  echo "molecule-images: building $image"
  log=$(mktemp)
  if ! podman build "${podman_opts[@]}" --network host --label "cephstack.recipe=$layer_hash" -t "$image" \
       -f "$file" "$images" >"$log" 2>&1; then
    tail -40 "$log" >&2; rm -f "$log"; exit 1
  fi
  rm -f "$log"
}
build_layer ceph-client "$want"
client_hash=$layer_hash
for name in glance cinder compute manila cephfs-client ganeti; do
  build_layer "$name" "$client_hash"
done
build_layer manila "$client_hash"
build_layer manila-nfs "$layer_hash"
podman images --filter reference='localhost/cephstack-*' --format '{{.Repository}}:{{.Tag}} {{.Size}}'

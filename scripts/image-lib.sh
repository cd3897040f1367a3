# shellcheck shell=bash
# Sourced by the image scripts: local podman images from debootstrap, cached by recipe hash (there
# is no registry). An image whose recipe has not changed is reused: the hash is a label of the image.
podman_opts=(--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=4096:4096)
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
mirror=${mirror:-http://deb.debian.org/debian}

current_hash() { podman image inspect --format '{{ index .Labels "cephstack.recipe" }}' "$1" 2>/dev/null || true; }

# build_base IMAGE SUITE [DEBOOTSTRAP_SCRIPT]: a minbase of SUITE with python3, sudo and CA
# certificates, apt pointed at the machine's mirror, services never started by packages.
# Sets base_hash.
build_base() {
  local image=$1 suite=$2 script=${3:-} packages=python3,sudo,ca-certificates root sources
  if [ "$suite" = bookworm ]; then
    sources=$(cat /etc/apt/sources.list.d/debian.sources)
  else   # the machine's mirror, for that suite alone
    sources=$(printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror" "$suite")
  fi
  base_hash=$( (echo "$suite minbase $packages policy-rc.d=101 $script"; echo "$sources") | sha256sum | cut -c1-16)
  [ "$(current_hash "$image")" = "$base_hash" ] && return
  echo "images: building $image (debootstrap $suite from $mirror)"
  root=$(mktemp -d /var/tmp/cephstack-rootfs.XXXXXX)
  # shellcheck disable=SC2064
  trap "rm -rf '$root'" EXIT
  debootstrap --variant=minbase --include=$packages "$suite" "$root" "$mirror" ${script:+"$script"} >/dev/null
  rm -f "$root/etc/apt/sources.list"
  mkdir -p "$root/etc/apt/sources.list.d"
  echo "$sources" >"$root/etc/apt/sources.list.d/debian.sources"
  echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/10no-check-valid-until"
  # No init system in the containers: packages must not try to start their services.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 0755 "$root/usr/sbin/policy-rc.d"
  tar -C "$root" -c . | podman import --change "LABEL cephstack.recipe=$base_hash" --change 'CMD ["sleep", "infinity"]' - "$image" >/dev/null
  rm -rf "$root"
  trap - EXIT
}

# build_layer IMAGE CONTAINERFILE PARENT_HASH [build args...]: a layer whose hash covers its
# parent's, so a changed parent rebuilds it. Sets layer_hash.
build_layer() {
  local image=$1 file=$2 parent_hash=$3 log
  shift 3
  layer_hash=$(printf '%s %s %s' "$parent_hash" "$(sha256sum <"$file")" "$*" | sha256sum | cut -c1-16)
  [ "$(current_hash "$image")" = "$layer_hash" ] && return
  echo "images: building $image"
  log=$(mktemp)
  if ! podman build "${podman_opts[@]}" --network host --label "cephstack.recipe=$layer_hash" -t "$image" \
       "$@" -f "$file" "$(dirname "$file")" >"$log" 2>&1; then
    tail -40 "$log" >&2; rm -f "$log"; exit 1
  fi
  rm -f "$log"
}

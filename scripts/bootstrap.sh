#!/usr/bin/env bash
# Idempotent set-up of a fresh Debian 12 machine (as root): Debian packages for the lab
# and the Ceph client side, and the Python virtualenv pinned by requirements.txt.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export DEBIAN_FRONTEND=noninteractive

apt_packages=(
  ceph-mon ceph-mgr ceph-osd ceph-mds ceph-common
  python3-rados python3-rbd python3-cephfs
  python3-venv python3-pip git procps
  # the consuming services, run for real by the tests
  libvirt-daemon libvirt-daemon-system libvirt-daemon-system-sysv libvirt-clients python3-libvirt
  qemu-system-x86 qemu-block-extra qemu-utils
  glance-api python3-glanceclient cinder-volume cinder-backup python3-cinder python3-nova
  # the Cinder services through their API: their message bus
  cinder-api cinder-scheduler rabbitmq-server
  python3-oslo.config
  # Ganeti's single-node lab cluster; openssh-server for the host keys init reads
  ganeti openssh-server python3-yaml
  # Manila's CephFS driver, ceph-fuse mounts and a podman container on them
  python3-manila ceph-fuse podman runc busybox-static uidmap slirp4netns fuse-overlayfs
  # molecule's instances and the Reef and Tentacle labs: images from debootstrap, catatonit for
  # podman --init; cephadm for its shell transport
  debootstrap catatonit cephadm
  # the Manila services (MariaDB: sqlite fails a migration) and NFS through Ganesha
  manila-api manila-scheduler manila-share mariadb-server python3-pymysql
  nfs-ganesha nfs-ganesha-ceph libnfs-utils dbus
  # ansible-test sanity checks the shell scripts with it
  shellcheck
  # the docs site is looked at in a real browser (headless)
  chromium fonts-dejavu-core
)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  apt-get update -qq
  # Package scripts must not start services: this project starts its daemons itself, by PID.
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod 755 "$policy"; own_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
  [ $own_policy = 1 ] && rm -f "$policy"
  [ "${rc:-0}" = 0 ] || exit "$rc"
fi

venv=$top/.venv
stamp=$venv/.requirements.sha
want=$(sha256sum "$top/requirements.txt" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: building $venv"
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check --upgrade pip
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$top/requirements.txt"
  echo "$want" >"$stamp"
fi

# Ansible finds this checkout as the cephstack.cloud collection.
mkdir -p "$top/.build/collections/ansible_collections/cephstack"
ln -sfn "$top" "$top/.build/collections/ansible_collections/cephstack/cloud"

# molecule's podman driver needs containers.podman. There is no Galaxy here: take it from PyPI's
# ansible package (only that collection is unpacked).
ansible_package=ansible==12.3.0
podman_collection=$top/.build/collections/ansible_collections/containers/podman
if [ "$(cat "$podman_collection/.from" 2>/dev/null)" != "$ansible_package" ]; then
  echo "bootstrap: containers.podman from $ansible_package"
  wheels=$(mktemp -d)
  "$venv/bin/pip" download -q --disable-pip-version-check --no-deps -d "$wheels" "$ansible_package"
  rm -rf "$podman_collection"
  "$venv/bin/python" - "$wheels"/ansible-*.whl "$top/.build/collections" <<'PY'
import sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    z.extractall(dest, [n for n in z.namelist() if n.startswith("ansible_collections/containers/podman/")])
PY
  rm -rf "$wheels"
  echo "$ansible_package" >"$podman_collection/.from"
fi

#!/usr/bin/env bash
# The main job on the embedded default: start the all-in-one lab and run playbooks/site.yml.
#   scripts/lab-site.sh [extra ansible-playbook args]
# CEPH_LAB_DIR selects the lab directory (default /var/tmp/cephstack-lab). The lab keeps
# and libvirtd and Ganeti keep running afterwards; stop them with
#   lab/ceph-lab stop --dir /var/tmp/cephstack-lab [--purge]
#   lab/libvirt-lab stop --dir /var/tmp/cephstack-libvirt-lab
#   lab/ganeti-lab stop --dir /var/tmp/cephstack-ganeti-lab [--purge]
# CEPH_LAB_RELEASE=reef|tentacle runs the lab of that release in its container (default
# /var/tmp/cephstack-<release>-lab) and site.yml for its Ceph side (admin, Glance, Cinder, Cinder
# backup hosts), whose modules run on that release's Python and librados: the compute, Ganeti,
# Manila and NFS hosts need services of this machine (see docs/ceph-releases.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/bootstrap.sh"
# shellcheck source=scripts/env.sh
. "$here/env.sh"
release=${CEPH_LAB_RELEASE:-pacific}
cd "$top"
if [ "$release" != pacific ]; then
  lab_dir=${CEPH_LAB_DIR:-/var/tmp/cephstack-$release-lab}
  "$top/lab/ceph-lab" start --dir "$lab_dir" --release "$release"
  exec ansible-playbook -i playbooks/inventory/lab.yml playbooks/site.yml -e cephstack_lab_dir="$lab_dir" \
    -e ansible_python_interpreter="$lab_dir/python" --limit lab-admin,lab-glance,lab-cinder,lab-backup "$@"
fi
lab_dir=${CEPH_LAB_DIR:-/var/tmp/cephstack-lab}
libvirt_dir=${LIBVIRT_LAB_DIR:-/var/tmp/cephstack-libvirt-lab}
ganeti_dir=${GANETI_LAB_DIR:-/var/tmp/cephstack-ganeti-lab}
"$top/lab/ceph-lab" start --dir "$lab_dir"
"$top/lab/libvirt-lab" start --dir "$libvirt_dir" >/dev/null
"$top/lab/ganeti-lab" start --dir "$ganeti_dir" >/dev/null
ansible-playbook -i playbooks/inventory/lab.yml playbooks/site.yml \
  -e cephstack_lab_dir="$lab_dir" -e cephstack_libvirt_lab_dir="$libvirt_dir" \
  -e cephstack_ganeti_lab_dir="$ganeti_dir" "$@"

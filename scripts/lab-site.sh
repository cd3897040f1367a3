#!/usr/bin/env bash
# The main job on the embedded default: start the all-in-one lab and run playbooks/site.yml.
#   scripts/lab-site.sh [extra ansible-playbook args]
# CEPH_LAB_DIR selects the lab directory (default /var/tmp/cephstack-lab). The lab keeps
# and libvirtd and Ganeti keep running afterwards; stop them with
#   lab/ceph-lab stop --dir /var/tmp/cephstack-lab [--purge]
#   lab/libvirt-lab stop --dir /var/tmp/cephstack-libvirt-lab
#   lab/ganeti-lab stop --dir /var/tmp/cephstack-ganeti-lab [--purge]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/bootstrap.sh"
. "$here/env.sh"
lab_dir=${CEPH_LAB_DIR:-/var/tmp/cephstack-lab}
libvirt_dir=${LIBVIRT_LAB_DIR:-/var/tmp/cephstack-libvirt-lab}
ganeti_dir=${GANETI_LAB_DIR:-/var/tmp/cephstack-ganeti-lab}
"$top/lab/ceph-lab" start --dir "$lab_dir"
"$top/lab/libvirt-lab" start --dir "$libvirt_dir" >/dev/null
"$top/lab/ganeti-lab" start --dir "$ganeti_dir" >/dev/null
cd "$top"
ansible-playbook -i playbooks/inventory/lab.yml playbooks/site.yml \
  -e cephstack_lab_dir="$lab_dir" -e cephstack_libvirt_lab_dir="$libvirt_dir" \
  -e cephstack_ganeti_lab_dir="$ganeti_dir" "$@"

#!/usr/bin/env bash
# Every test: static checks, unit tests and integration tests against labs of their own (started
# and stopped by the tests, on other ports than the main job's lab), the release matrix (the tests
# marked 'release' again on labs of newer Ceph releases, in containers), and the molecule scenarios.
#
# Two streams run side by side, as most of their time is spent waiting on daemons and podman:
#   here:        the unit and integration tests on the host's Ceph (Pacific), the longest part;
#   background:  the images (release labs, molecule), the static checks, the release matrix,
#                the molecule scenarios.
# Every lab has its own directory and ports; both streams share one libvirt lab.
#
#   scripts/test.sh [pytest args]     # with args: only those tests, after the static checks
#   CEPHSTACK_TEST_RELEASES="tentacle" scripts/test.sh   # releases of the matrix (default: tentacle reef)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/bootstrap.sh"
# shellcheck source=scripts/env.sh
. "$here/env.sh"
cd "$top"
if [ $# -gt 0 ]; then
  "$here/static-checks.sh"
  exec python -m pytest -p no:cacheprovider -ra --durations=25 "$@"
fi

started=$(date +%s)
stage() { echo "== $1 ($(( $(date +%s) - started )) s since start)"; }

libvirt_lab=${CEPHSTACK_LIBVIRT_LAB:-/var/tmp/cephstack-libvirt-lab}
libvirt_was_running=0
pid=$(cat "$libvirt_lab/libvirtd.pid" 2>/dev/null || true)
[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && libvirt_was_running=1
"$top/lab/libvirt-lab" start --dir "$libvirt_lab" >/dev/null

logs=$(mktemp -d)
background() {
  local rc=0 release pids=() entry
  for release in ${CEPHSTACK_TEST_RELEASES-tentacle reef}; do
    "$here/ceph-release-image.sh" "$release" >/dev/null || rc=$?
  done
  stage "release images ready"
  for release in ${CEPHSTACK_TEST_RELEASES-tentacle reef}; do
    # each release's stream first builds its own images: the OpenStack release that runs beside
    # it, and its client hosts (libvirtd, qemu, Ganesha, Ganeti); meanwhile the molecule images
    # are built and the static checks run (the builds mostly wait on the mirror and the disk)
    { "$here/ceph-release-image.sh" "$release" --openstack >/dev/null \
      && "$here/ceph-release-image.sh" "$release" --compute >/dev/null \
      && CEPHSTACK_TEST_RELEASE=$release python -m pytest -p no:cacheprovider -ra --durations=10 -m release \
           tests/integration; } >"$logs/$release.log" 2>&1 &
    pids+=("$release:$!")
  done
  "$here/molecule-images.sh" >"$logs/molecule-images.log" 2>&1 || { rc=$?; cat "$logs/molecule-images.log"; }
  stage "molecule images ready"
  "$here/static-checks.sh" || rc=$?
  stage "static checks"
  for entry in "${pids[@]+"${pids[@]}"}"; do
    release=${entry%%:*}
    wait "${entry#*:}" || rc=$?
    stage "release matrix: $release"
    cat "$logs/$release.log"
  done
  python -m pytest -p no:cacheprovider -ra --durations=0 tests/molecule || rc=$?
  stage "molecule scenarios"
  return $rc
}
background >"$logs/background.log" 2>&1 &
background_pid=$!

rc=0
python -m pytest -p no:cacheprovider -ra --durations=25 --ignore=tests/molecule tests || rc=$?
stage "unit and integration tests (Pacific)"
wait "$background_pid" || rc=$?
cat "$logs/background.log"
rm -rf "$logs"
[ $libvirt_was_running = 1 ] || "$top/lab/libvirt-lab" stop --dir "$libvirt_lab" >/dev/null
stage "all tests, rc=$rc"
exit $rc

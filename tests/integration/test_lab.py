"""Integration tests against a real single-node Ceph started by lab/ceph-lab.

The lab runs on its own ports and directory, so it can run beside the main job's lab.
"""
import json
import os
import re
import time

import pytest

from tests.integration.conftest import (
    CONTAINER, INVENTORY, KEY_RE, LAB, LIBVIRT_LAB, SITE_ARGS, TARGET_HOST, TOP, V1_PORT, V2_PORT, all_keys, ceph_json,
    playbook, sh)
from tests.integration.test_whole_run import ArgvWatcher


def run_target(target, transport, *extra, **kw):
    """A target's tasks on the lab's host: this machine, or a release lab's container."""
    return playbook("-i", INVENTORY, "tests/integration/run_target.yml", "-e", "target=" + target,
                    "-e", "target_host=" + TARGET_HOST, "-e", "lab_dir=" + LAB, "-e", "lab_transport=" + transport,
                    *extra, **kw)


AUTH_TARGETS = ("ceph_auth", "ceph_auth_key_type")


@pytest.mark.release
@pytest.mark.parametrize("transport", ["librados", "cli"])
@pytest.mark.parametrize("target", ["ceph_cluster_info", "ceph_pool", "ceph_auth", "ceph_auth_key_type"])
def test_target(target, transport, workdir):
    """Each target in the order check, apply, re-run, absent. Keys stay out of sight meanwhile:
    with librados the run is -vvv and its output holds no key; with the CLI no key of either type
    is on any ceph/rados/rbd argv. The targets remove their users at the end, so besides every key
    that exists now, no text shaped like a key may appear (minted, rotated, imported keys too)."""
    if transport == "librados":
        res = run_target(target, transport, "-vvv")
        seen = res.stdout + res.stderr
    else:
        res, seen = run_watching_argv(target, workdir)
        if target in AUTH_TARGETS:      # the watcher saw the writes
            assert "auth get-or-create" in seen and ("auth import" in seen or "auth rotate" in seen)
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-2000:]
    assert re.search(r"failed=0", res.stdout)
    for key in all_keys():
        assert key not in seen
    assert not KEY_RE.search(seen)


def run_watching_argv(target, workdir):
    """The target on the CLI transport, and every argv its tools had. Here a shim first on PATH
    logs each ceph/rados/rbd argv; in a release lab's container (which a PATH set here does not
    reach) a watcher samples every process's argv on this machine, the container's included, and
    keeps those of this lab."""
    if CONTAINER:
        watcher = ArgvWatcher()
        watcher.start()
        try:
            res = run_target(target, "cli")
        finally:
            watcher.done.set()
            watcher.join()
        # this lab's processes: the tools name its conf (other labs may run beside it)
        return res, "\n".join(a for a in watcher.seen if LAB + "/" in a)
    log = os.path.join(workdir, "argv.log")
    shim_dir = os.path.join(workdir, "bin")
    os.mkdir(shim_dir)
    for tool in ("ceph", "rados", "rbd"):
        shim = os.path.join(shim_dir, tool)
        with open(shim, "w") as f:
            f.write('#!/bin/sh\nprintf "%%s\\n" "$*" >> %s\nexec /usr/bin/%s "$@"\n' % (log, tool))
        os.chmod(shim, 0o755)
    res = run_target(target, "cli", "-e", json.dumps({"target_path": "%s:/usr/sbin:/usr/bin:/sbin:/bin" % shim_dir}))
    with open(log) as f:
        return res, f.read()


@pytest.mark.parametrize("target", ["libvirt_secret", "ini_options"])
def test_service_side_target(target, libvirt_uri):
    res = run_target(target, "auto", "-e", "libvirt_uri=" + libvirt_uri)
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-2000:]


def test_libvirt_secret_verbose_run_leaks_no_key(libvirt_uri):
    res = run_target("libvirt_secret", "auto", "-e", "libvirt_uri=" + libvirt_uri, "-vvv")
    assert res.returncode == 0, res.stdout[-3000:]
    assert not KEY_RE.search(res.stdout + res.stderr)


@pytest.mark.parametrize("transport", ["librados", "cli"])
def test_unreachable_cluster_fails_within_timeout(tmp_path, transport):
    conf = tmp_path / "wrong-port.conf"
    text = open(os.path.join(LAB, "ceph.conf")).read()
    conf.write_text(text.replace(":" + V2_PORT, ":3999").replace(":" + V1_PORT, ":6999"))
    play = tmp_path / "play.yml"
    play.write_text("""
- hosts: localhost
  connection: local
  gather_facts: false
  vars: {ansible_python_interpreter: /usr/bin/python3}
  tasks:
    - cephstack.cloud.ceph_pool: {name: images, conf: %s, connect_timeout: 5, transport: %s}
""" % (conf, transport))
    started = time.monotonic()
    res = playbook(str(play))
    elapsed = time.monotonic() - started
    assert res.returncode != 0
    assert elapsed <= 45, "took %.1fs" % elapsed
    assert re.search(r"timed out|cannot connect", res.stdout), res.stdout[-2000:]


def recap_changed(stdout):
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)", stdout, re.M)}


def test_site_converges_then_changes_nothing(site):
    assert sum(recap_changed(site.stdout).values()) > 0
    second = playbook(*SITE_ARGS, "-vvv")
    assert second.returncode == 0, second.stdout[-5000:]
    changed = recap_changed(second.stdout)
    assert changed and set(changed.values()) == {0}, changed
    for key in all_keys():
        assert key not in second.stdout and key not in second.stderr
    pools = {p["pool_name"]: p for p in ceph_json("osd", "pool", "ls", "detail")}
    for name in ("volumes", "images", "snapshots", "backups", "vms"):
        assert "rbd" in pools[name]["application_metadata"]
    users = {e["entity"]: e for e in ceph_json("auth", "ls")["auth_dump"]}
    assert users["client.glance"]["caps"]["osd"].startswith("profile rbd pool=images")
    expected = {
        "lab-glance": {"client.glance": "glance"},
        "lab-cinder": {"client.cinder": "cinder"},
        "lab-backup": {"client.cinder": "cinder", "client.cinder-backup": "cinder"},
        "lab-compute": {"client.cinder": "nova", "client.nova": "nova"},
    }
    import grp
    for host, keyrings in expected.items():
        etc = os.path.join(LAB, "hosts", host, "etc", "ceph")
        assert sorted(os.listdir(etc)) == sorted(["ceph.conf"] + ["ceph.%s.keyring" % u for u in keyrings])
        assert os.stat(etc).st_mode & 0o777 == 0o755
        conf = open(os.path.join(etc, "ceph.conf")).read()
        assert ceph_json("mon", "dump")["fsid"] in conf
        assert "keyring = %s/ceph.$name.keyring" % etc in conf
        assert ("client mount timeout = 15" in conf) == (host == "lab-compute")
        for user, group in keyrings.items():
            path = os.path.join(etc, "ceph.%s.keyring" % user)
            st = os.stat(path)
            assert oct(st.st_mode & 0o777) == "0o640"
            assert st.st_uid == 0 and grp.getgrgid(st.st_gid).gr_name == group
            assert open(path).read() == "[%s]\n\tkey = %s\n" % (user, users[user]["key"])


def test_client_keyring_really_authenticates(site):
    """The keyring and ceph.conf the role wrote let the service's user reach its pool."""
    etc = os.path.join(LAB, "hosts", "lab-glance", "etc", "ceph")
    res = sh("rbd", "--conf", os.path.join(etc, "ceph.conf"), "--id", "glance",
             "--keyring", os.path.join(etc, "ceph.client.glance.keyring"), "ls", "images")
    assert res.returncode == 0, res.stderr
    denied = sh("rados", "--conf", os.path.join(etc, "ceph.conf"), "--id", "glance",
                "--keyring", os.path.join(etc, "ceph.client.glance.keyring"), "-p", "backups",
                "put", "x", "/etc/hostname")
    assert denied.returncode != 0


FRESH_LAB = "/var/tmp/cephstack-fresh-lab"


def test_site_check_mode_previews_a_fresh_cloud(libvirt_uri, ganeti_lab):
    """On a cluster with none of the pools and users yet, site.yml --check completes, predicts a
    change on every host, says which keys it cannot know, and changes nothing."""
    lab_cmd = os.path.join(TOP, "lab", "ceph-lab")
    sh(lab_cmd, "stop", "--dir", FRESH_LAB, "--purge")
    started = sh(lab_cmd, "start", "--dir", FRESH_LAB, "--v2-port", "3393", "--v1-port", "6793")
    assert started.returncode == 0, started.stderr
    try:
        conf = os.path.join(FRESH_LAB, "ceph.conf")

        def cluster():
            pools = sh("ceph", "--conf", conf, "osd", "pool", "ls", "--format", "json").stdout
            users = sh("ceph", "--conf", conf, "auth", "ls", "--format", "json").stdout
            return pools, users

        secrets = sh("virsh", "-c", libvirt_uri, "secret-list").stdout
        before = cluster()
        res = playbook("-i", "playbooks/inventory/lab.yml", "playbooks/site.yml", "--check",
                       "-e", "cephstack_lab_dir=" + FRESH_LAB, "-e", "cephstack_libvirt_lab_dir=" + LIBVIRT_LAB,
                       "-e", "cephstack_ganeti_lab_dir=" + ganeti_lab)
        assert res.returncode == 0, res.stdout[-5000:]
        changed = recap_changed(res.stdout)
        assert sorted(changed) == ["lab-admin", "lab-backup", "lab-cinder", "lab-compute", "lab-containers",
                                   "lab-ganeti", "lab-glance", "lab-manila", "lab-nfs"]
        assert all(n > 0 for n in changed.values()), changed
        text = " ".join(res.stdout.split())
        assert "client.cinder does not exist yet: the monitors mint its key in the real run" in text
        assert cluster() == before
        assert not os.path.exists(os.path.join(FRESH_LAB, "hosts"))
        assert sh("virsh", "-c", libvirt_uri, "secret-list").stdout == secrets
    finally:
        sh(lab_cmd, "stop", "--dir", FRESH_LAB, "--purge")

"""Integration tests against a real single-node Ceph started by lab/ceph-lab.

The lab runs on its own ports and directory, so it can run beside the main job's lab.
"""
import os
import re
import shutil
import time

import pytest

from tests.integration.conftest import (
    ENV, LAB, LIBVIRT_LAB, SITE_ARGS, TOP, V1_PORT, V2_PORT, all_keys, ceph_json, playbook, sh)


def run_target(target, transport, *extra):
    return playbook("tests/integration/run_target.yml", "-e", "target=" + target, "-e", "lab_dir=" + LAB,
                    "-e", "lab_transport=" + transport, *extra)


@pytest.mark.parametrize("transport", ["librados", "cli"])
@pytest.mark.parametrize("target", ["ceph_cluster_info", "ceph_pool", "ceph_auth"])
def test_target(target, transport):
    res = run_target(target, transport)
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-2000:]
    assert re.search(r"failed=0", res.stdout)


@pytest.mark.parametrize("target", ["libvirt_secret", "ini_options"])
def test_service_side_target(target, libvirt_uri):
    res = run_target(target, "auto", "-e", "libvirt_uri=" + libvirt_uri)
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-2000:]


def test_libvirt_secret_verbose_run_leaks_no_key(libvirt_uri):
    res = run_target("libvirt_secret", "auto", "-e", "libvirt_uri=" + libvirt_uri, "-vvv")
    assert res.returncode == 0, res.stdout[-3000:]
    assert not re.search(r"AQ[A-Za-z0-9+/]{36}==", res.stdout + res.stderr)


def test_no_key_in_verbose_output():
    res = run_target("ceph_auth", "librados", "-vvv")
    assert res.returncode == 0, res.stdout[-3000:]
    # client.it-user's keys are removed at the end of the target; compare every key that exists
    # now plus the keys the run itself printed nowhere: keyrings it wrote are gone, so check
    # the live entities and the lab's admin key.
    keys = all_keys()
    assert keys
    for key in keys:
        assert key not in res.stdout and key not in res.stderr


def test_no_key_on_argv(tmp_path):
    """With the CLI transport, a shim logs every ceph/rados/rbd argv: no key may appear."""
    log = tmp_path / "argv.log"
    shim_dir = tmp_path / "bin"
    shim_dir.mkdir()
    for tool in ("ceph", "rados", "rbd"):
        real = shutil.which(tool)
        shim = shim_dir / tool
        shim.write_text('#!/bin/sh\nprintf "%%s\\n" "$*" >> %s\nexec %s "$@"\n' % (log, real))
        shim.chmod(0o755)
    env = dict(ENV, PATH="%s:%s" % (shim_dir, ENV["PATH"]))
    res = playbook("tests/integration/run_target.yml", "-e", "target=ceph_auth", "-e", "lab_dir=" + LAB,
                   "-e", "lab_transport=cli", env=env)
    assert res.returncode == 0, res.stdout[-3000:]
    logged = log.read_text()
    assert "auth import" in logged and "auth get-or-create" in logged   # the shim saw the writes
    for key in all_keys():
        assert key not in logged
    assert not re.search(r"AQ[A-Za-z0-9+/]{36}==", logged)


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
    assert elapsed <= 30, "took %.1fs" % elapsed
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

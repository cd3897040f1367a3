"""Ganeti on RBD against the lab's real single-node Ganeti cluster (lab/ganeti-lab).

(a) after site.yml, gnt-cluster shows rbd enabled and allowed, with the pool and access, and the
    node group's own parameters override the cluster's; the module goes check, apply, re-run, absent;
(b) Ganeti's own RADOSBlockDevice creates, grows and removes an image with the ceph.conf, keyring
    and CEPH_ARGS the role wrote, and the least-privilege user is refused another pool;
(d) bad input and a master that is down fail early, naming the option.
"""
import json
import os
import subprocess
import time

import pytest
import yaml

from tests.integration.conftest import GANETI_LAB, INVENTORY, LAB, SITE_ARGS, TOP, playbook, run_module, sh

HOST_ETC = os.path.join(LAB, "hosts", "lab-ganeti", "etc")


def gnt(*args):
    res = sh(os.path.join(TOP, "lab", "ganeti-lab"), "exec", "--dir", GANETI_LAB, "--", *args)
    assert res.returncode == 0, res.stderr + res.stdout
    return res.stdout


def cluster_info():
    return yaml.safe_load(gnt("gnt-cluster", "info"))


def group_rbd(name):
    return yaml.safe_load(gnt("gnt-group", "info", name))[0]["Disk parameters"]["rbd"]


def test_a_site_enabled_rbd_with_pool_access_and_group_override(site):
    info = cluster_info()
    assert "rbd" in info["Cluster parameters"]["enabled disk templates"].split(", ")
    assert "rbd" in info["Instance policy - limits for instances"]["allowed disk templates"].split(", ")
    assert info["Default disk parameters"]["rbd"] == {"pool": "ganeti", "access": "userspace"}
    assert group_rbd("default") == {"pool": "ganeti-g1"}      # the group's own pool wins there
    defaults = open(os.path.join(HOST_ETC, "default", "ganeti")).read()
    assert 'CEPH_ARGS="--id ganeti --keyring %s/ceph/ceph.client.ganeti.keyring --conf %s/ceph/ceph.conf"' \
        % (HOST_ETC, HOST_ETC) in defaults and "export CEPH_ARGS" in defaults
    keyring = os.path.join(HOST_ETC, "ceph", "ceph.client.ganeti.keyring")
    st = os.stat(keyring)
    assert st.st_uid == 0 and st.st_gid == 0 and st.st_mode & 0o777 == 0o600


def test_a_module_check_apply_rerun_absent(ganeti_lab):
    """The module's integration target, on the Ganeti master (its tasks run in the lab's namespaces)."""
    res = playbook("-i", INVENTORY, "tests/integration/run_target.yml", "-e", "target=ganeti_cluster_storage",
                   "-e", "ansible_python_interpreter=" + os.path.join(GANETI_LAB, "python3"))
    assert res.returncode == 0 and "failed=0" in res.stdout, res.stdout[-6000:] + res.stderr[-2000:]


RBD_DEVICE = os.path.join(TOP, "tests", "integration", "services", "ganeti_rbd_device.py")


def ganeti_rbd(pool, name, steps, env):
    out = subprocess.run(["/usr/bin/python3", RBD_DEVICE, pool, name, steps],
                         capture_output=True, text=True, env=env, check=False, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def role_environment():
    """What daemon-util gives the Ganeti daemons: the role's defaults file, sourced by bash."""
    defaults = os.path.join(HOST_ETC, "default", "ganeti")
    out = subprocess.run(["bash", "-c", ". %s && echo \"$CEPH_ARGS\"" % defaults], capture_output=True,
                         text=True, check=True, env={"PATH": os.environ["PATH"]})
    return dict(PATH=os.environ["PATH"], CEPH_ARGS=out.stdout.strip())


def rbd_info(pool, name):
    res = sh("rbd", "--conf", os.path.join(LAB, "ceph.conf"), "info", "--format", "json", "%s/%s" % (pool, name))
    return json.loads(res.stdout) if res.returncode == 0 else None


def test_b_ganeti_rbd_device_with_the_role_user(site):
    env = role_environment()
    assert env["CEPH_ARGS"].startswith("--id ganeti ")
    # Create, then look at the image with the admin's eyes, then Ganeti grows and removes it.
    assert ganeti_rbd("ganeti", "it-disk", "create", env) == {"created": True}
    info = rbd_info("ganeti", "it-disk")
    assert info and info["size"] == 64 * 1024 * 1024
    sh("rbd", "--conf", os.path.join(LAB, "ceph.conf"), "rm", "ganeti/it-disk")
    assert ganeti_rbd("ganeti", "it-disk2", "grow-remove", env) == {"created": True, "grown": True, "removed": True}
    assert rbd_info("ganeti", "it-disk2") is None
    # The group's pool works too; another pool is refused to the least-privilege user.
    assert ganeti_rbd("ganeti-g1", "it-disk3", "grow-remove", env)["removed"]
    refused = ganeti_rbd("volumes", "it-intruder", "create", env)
    assert "rbd creation failed" in refused["error"] and "Operation not permitted" in refused["error"]
    assert rbd_info("volumes", "it-intruder") is None


@pytest.mark.parametrize("args, words", [
    (dict(rbd_access="bogus"), ["rbd_access", "userspace, kernelspace"]),
    (dict(disk_templates=["rbdx"]), ["disk_templates", "rbdx", "diskless"]),
    (dict(rbd_pool="bad/pool"), ["rbd_pool='bad/pool' is not a valid pool name"]),
    (dict(node_groups=[dict(name="no-such-group", rbd_pool="x")]), ["node_groups: name=no-such-group does not exist"]),
], ids=["access", "template", "pool", "group"])
def test_d_bad_input_names_the_option(ganeti_lab, args, words):
    res = run_module("ganeti_cluster_storage", args, interpreter=os.path.join(GANETI_LAB, "python3"),
                     expect_failure=True)
    for w in words:
        assert w in res["msg"], res["msg"]


def test_d_master_down_fails_within_the_timeout(ganeti_lab):
    sh(os.path.join(TOP, "lab", "ganeti-lab"), "daemons-stop", "--dir", GANETI_LAB)
    try:
        started = time.monotonic()
        res = run_module("ganeti_cluster_storage", dict(timeout=5), interpreter=os.path.join(GANETI_LAB, "python3"),
                         expect_failure=True)
        elapsed = time.monotonic() - started
        assert "the Ganeti master did not answer within timeout=5 s" in res["msg"]
        assert elapsed < 30, elapsed
    finally:
        assert sh(os.path.join(TOP, "lab", "ganeti-lab"), "daemons-start", "--dir", GANETI_LAB).returncode == 0
        deadline = time.monotonic() + 60
        while sh(os.path.join(TOP, "lab", "ganeti-lab"), "exec", "--dir", GANETI_LAB, "--",
                 "gnt-cluster", "getmaster").returncode != 0:
            assert time.monotonic() < deadline
            time.sleep(0.5)


@pytest.mark.parametrize("extra, message", [
    ({"ganeti_rbd_check_hypervisor": True},
     "access=userspace opens disks with qemu's librbd, which only the kvm hypervisor does; this cluster enables fake"),
    ({"ganeti_rbd_access": "kernelspace", "ganeti_rbd_node_groups": []},
     "access=kernelspace maps disks with the rbd kernel module, which this kernel does not have"),
], ids=["kvm", "kernel-module"])
def test_d_prerequisites_fail_before_anything_changes(site, extra, message):
    defaults = os.path.join(HOST_ETC, "default", "ganeti")
    before = open(defaults).read(), cluster_info()
    res = playbook(*SITE_ARGS, "--limit", "lab-ganeti", "-e", json.dumps(extra))
    assert res.returncode != 0
    assert message in " ".join(res.stdout.split()), res.stdout[-3000:]
    assert (open(defaults).read(), cluster_info()) == before

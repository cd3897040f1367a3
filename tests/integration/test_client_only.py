"""Client-only mode: a cluster that someone else runs, known to the operator by its fsid, its
monitors and client keys, with no admin key anywhere.

1. ceph_client_access_info checks a key by itself: the monitors accept it, the fsid, and read
   access to each pool, on both transports, in check mode too; the key's temporary keyring does not
   outlive the task, and no output holds the key.
2. site.yml, in client-only mode, for a compute host and a cinder host of a cluster whose users the
   storage team (this test, as admin) made beforehand: a wrong key fails before anything is
   written, naming the host, the user and the pools; check mode, then the run, then a re-run with
   changed=0; qemu opens an RBD disk through the libvirt secret the run set.
"""
import glob
import json
import os
import shutil

import pytest
import yaml

from tests.integration.conftest import (
    KEY_RE, LAB, LIBVIRT_LAB, TOP, ceph_cli, ceph_json, on_lab_host, playbook, run_module, sh)
from tests.integration.test_services import start_domain, virsh

USER = "client.co-reader"


@pytest.fixture
def reader():
    """A user that may read pool co-ok only; removed at the end."""
    for pool in ("co-ok", "co-closed"):
        ceph_json("osd", "pool", "create", pool, "8")
    key = ceph_json("auth", "get-or-create", USER, "mon", "profile rbd", "osd", "profile rbd pool=co-ok")[0]["key"]
    mon_host = ceph_json("mon", "dump")
    yield key, mon_host
    ceph_json("auth", "rm", USER, allow_error=True)
    for pool in ("co-ok", "co-closed"):
        ceph_json("osd", "pool", "rm", pool, pool, "--yes-i-really-really-mean-it", allow_error=True)


def mon_host_of(dump):
    return " ".join("[%s]" % ",".join("%s:%s" % (a["type"], a["addr"]) for a in m["public_addrs"]["addrvec"])
                    for m in dump["mons"])


@pytest.mark.release
@pytest.mark.parametrize("transport", ["librados", "cli"])
def test_a_client_key_is_checked_by_itself(reader, transport):
    key, dump = reader
    args = dict(client_name=USER, key=key, mon_host=mon_host_of(dump), transport=transport,
                pools=["co-ok", "co-closed", "co-none"])
    left_before = set(glob.glob("/tmp/cephstack-access-*"))
    for check in (True, False):
        r = run_module("ceph_client_access_info", args, check=check)
        assert r["changed"] is False and r["commands"] == []
        assert r["fsid"] == dump["fsid"]
        assert r["pools"] == {"co-ok": "readable", "co-closed": "denied", "co-none": "missing"}
        assert r["ceph_calls"] == 4 and r["transport"] == transport
        assert not KEY_RE.search(json.dumps(r))
    assert set(glob.glob("/tmp/cephstack-access-*")) == left_before

    wrong = key[:24] + ("B" if key[24] != "B" else "C") + key[25:]   # a character of the secret
    r = run_module("ceph_client_access_info", dict(args, key=wrong, connect_timeout=5), expect_failure=True)
    assert USER in r["msg"] and not KEY_RE.search(json.dumps(r)), r["msg"]
    assert "cannot connect to Ceph cluster 'ceph' as %s (mon host %s)" % (USER, args["mon_host"]) in r["msg"], r["msg"]
    assert "the monitors refused %s: its key is not the one the cluster holds" % USER in r["msg"], r["msg"]


CO_USER = "client.co-cinder"
CO_POOLS = ("co-volumes", "co-vms", "co-images")
CO_SECRET = "3b0a9c1e-7d52-4f8a-9e61-2c4d5b6a7f80"
CO_HOSTS = ("co-compute", "co-cinder")


@pytest.fixture
def storage_team():
    """The cluster's side, made by its admin before the cloud's run: pools and one user."""
    for pool in CO_POOLS:
        ceph_json("osd", "pool", "create", pool, "8")
        ceph_cli("osd", "pool", "application", "enable", pool, "rbd")
    caps = "profile rbd pool=co-volumes, profile rbd pool=co-vms, profile rbd-read-only pool=co-images"
    key = ceph_json("auth", "get-or-create", CO_USER, "mon", "profile rbd", "osd", caps,
                    "mgr", "profile rbd pool=co-volumes, profile rbd pool=co-vms")[0]["key"]
    yield key, caps, ceph_json("mon", "dump")
    ceph_cli("auth", "rm", CO_USER)
    for pool in CO_POOLS:
        ceph_cli("osd", "pool", "rm", pool, pool, "--yes-i-really-really-mean-it")
    for host in CO_HOSTS:
        shutil.rmtree(os.path.join(LAB, "hosts", host), ignore_errors=True)


def client_only_inventory(tmp_path, key, caps, dump):
    """The lab inventory's settings for a compute host and a cinder host, without any admin
    conf or keyring, in client-only mode."""
    with open(os.path.join(TOP, "playbooks", "inventory", "lab.yml")) as f:
        lab_vars = yaml.safe_load(f)["all"]["vars"]
    for admin_only in ("cephstack_ceph_conf", "cephstack_ceph_client_keyring", "ceph_pools_pools", "ceph_clients_users"):
        lab_vars.pop(admin_only)
    lab_vars.update(
        cephstack_lab_dir=LAB, cephstack_libvirt_lab_dir=LIBVIRT_LAB, cephstack_client_only=True,
        cephstack_ceph_fsid=dump["fsid"], cephstack_ceph_mon_host=mon_host_of(dump),
        cephstack_client_keys={CO_USER: key}, cephstack_libvirt_secret_uuid=CO_SECRET,
        ceph_clients_users=[dict(name=CO_USER, caps=dict(mon="profile rbd", osd=caps),
                                 keyring_groups=dict(cinder_volume="cinder", nova_compute="nova"))],
        nova_compute_rbd_user="co-cinder", nova_compute_images_rbd_pool="co-vms",
        cinder_rbd_user="co-cinder", cinder_backends=[dict(name="co-ceph", pool="co-volumes", backend_name="co-ceph")])
    inventory = dict(all=dict(vars=lab_vars, children=dict(nova_compute=dict(hosts={"co-compute": None}),
                                                           cinder_volume=dict(hosts={"co-cinder": None}))))
    path = tmp_path / "client-only.yml"
    path.write_text(json.dumps(inventory))
    return str(path)


def keyring_files():
    return sorted(glob.glob(os.path.join(LAB, "hosts", "co-*", "etc", "ceph", "*.keyring")))


def test_site_converges_client_hosts_without_an_admin_key(storage_team, libvirt_uri, tmp_path):
    key, caps, dump = storage_team
    assert not os.path.exists("/etc/ceph/ceph.client.admin.keyring")   # no admin key to fall back on
    inventory = client_only_inventory(tmp_path, key, caps, dump)
    site = ("-i", inventory, "playbooks/site.yml")

    wrong = key[:24] + ("B" if key[24] != "B" else "C") + key[25:]
    refused = playbook(*site, "-e", json.dumps({"cephstack_client_keys": {CO_USER: wrong}}))
    text = " ".join(refused.stdout.split())
    assert refused.returncode != 0
    for host in CO_HOSTS:
        assert ("ceph_clients on %s: %s cannot log in, so it cannot reach pool(s) co-volumes, co-vms, co-images"
                % (host, CO_USER)) in text, refused.stdout[-3000:] + refused.stderr[-2000:]
    assert keyring_files() == [] and not KEY_RE.search(refused.stdout + refused.stderr)
    for extra, words in (({"cephstack_client_keys": {CO_USER: "not/a/key!"}}, "%s cannot log in, so it cannot reach "
                          "pool(s) co-volumes, co-vms, co-images: key is not valid base64" % CO_USER),
                         ({"cephstack_ceph_fsid": "", "cephstack_client_keys": {}},
                          "ceph_clients_fsid must be the cluster's fsid, a UUID (got ''; set cephstack_ceph_fsid); "
                          "ceph_clients_keys has no key for %s, whose keyring this host needs" % CO_USER)):
        bad = playbook(*site, "-e", json.dumps(extra))
        assert bad.returncode != 0 and words in " ".join(bad.stdout.split()), bad.stdout[-3000:]
    assert keyring_files() == []

    check = playbook(*site, "--check", "--diff")
    assert check.returncode == 0, check.stdout[-4000:]
    assert keyring_files() == [] and not KEY_RE.search(check.stdout)
    first = playbook(*site)
    assert first.returncode == 0, first.stdout[-4000:]
    assert "client.admin" not in first.stdout and not KEY_RE.search(first.stdout + first.stderr)
    again = playbook(*site, "-vvv")
    assert key not in again.stdout + again.stderr and not KEY_RE.search(again.stdout + again.stderr)
    recap = [line for line in again.stdout.splitlines() if " changed=" in line]
    assert len(recap) == 2 and all(" changed=0 " in line for line in recap), again.stdout[-3000:]

    for path in keyring_files():
        assert oct(os.stat(path).st_mode & 0o777) == "0o640"
        with open(path) as f:
            assert f.read() == "[%s]\n\tkey = %s\n" % (CO_USER, key)
    with open(os.path.join(LAB, "hosts", "co-compute", "etc", "ceph", "ceph.conf")) as f:
        conf = f.read()
    assert dump["fsid"] in conf and mon_host_of(dump) in conf
    with open(os.path.join(LAB, "hosts", "co-cinder", "etc", "cinder", "cinder.conf")) as f:
        cinder = f.read()
    assert "rbd_user = co-cinder" in cinder and "rbd_secret_uuid = " + CO_SECRET in cinder

    rbd = on_lab_host("rbd", "--conf", os.path.join(LAB, "ceph.conf"))
    assert sh(*rbd, "create", "co-vms/co-disk", "--size", "64M").returncode == 0
    res, dummy = start_domain(libvirt_uri, tmp_path, "co-guest", CO_SECRET, "co-disk", user="co-cinder",
                              host="co-compute", pool="co-vms")
    try:
        assert res.returncode == 0, res.stderr
        watchers = json.loads(sh(*rbd, "status", "co-vms/co-disk", "--format", "json").stdout)["watchers"]
        assert len(watchers) == 1     # qemu's librbd, as client.co-cinder through the secret
    finally:
        virsh(libvirt_uri, "destroy", "co-guest")
        virsh(libvirt_uri, "secret-undefine", CO_SECRET)
        sh(*rbd, "rm", "co-vms/co-disk")

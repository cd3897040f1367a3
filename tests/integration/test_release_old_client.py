"""A Tentacle cluster (which mints aes256k keys) with a compute host whose Ceph client is older than
its cluster: this machine, Debian 12, with librados, librbd and qemu of Ceph 16.2, which read only
aes keys. The admin host is the release lab's container (CEPHSTACK_TEST_RELEASE=tentacle).

1. site.yml for that compute host fails before any cephx user or keyring is made, and says which
   host, user, key type and client version, and the two ways out.
2. With aes allowed on the cluster and key_type aes for client.cinder and client.nova, it
   converges, the re-run changes nothing, and qemu here opens an RBD disk through the libvirt
   secret the role set, with its own (16.2) librbd.

This machine's libvirtd is shared with the Pacific tests, which hold the secret of client.cinder
under the lab inventory's UUID meanwhile (libvirt allows one secret per usage name). So nova here
is client.old-compute, under a secret UUID of its own, removed at the end.
"""
import json
import os

import pytest

from tests.integration.conftest import LAB, LIBVIRT_LAB, PYTHON, RELEASE, ceph_cli, ceph_json, on_lab_host, playbook, sh
from tests.integration.test_services import start_domain, virsh

pytestmark = [pytest.mark.release,
              pytest.mark.skipif(RELEASE != "tentacle", reason="needs a cluster that mints aes256k keys")]
OLD_USERS = ("client.cinder", "client.nova")
COMPUTE_USER = "client.old-compute"
COMPUTE_SECRET = "6f1d3c52-9a0e-4d7b-8c21-5e4f3a2b1c0d"
COMPUTE_ETC = os.path.join(LAB, "hosts", "lab-compute", "etc", "ceph")


def site(tmp_path, *extra):
    admin = tmp_path / "admin-in-container.json"
    admin.write_text(json.dumps({"all": {"hosts": {"lab-admin": {"ansible_python_interpreter": PYTHON}}}}))
    return playbook("-i", "playbooks/inventory/lab.yml", "-i", str(admin), "playbooks/site.yml",
                    "-e", "cephstack_lab_dir=" + LAB, "-e", "cephstack_libvirt_lab_dir=" + LIBVIRT_LAB,
                    "--limit", "lab-admin,lab-compute", *extra)


def users():
    return dict((e["entity"], e["key"]) for e in ceph_json("auth", "ls")["auth_dump"])


def aes_users(tmp_path):
    """The lab inventory's users, client.cinder and client.nova with key_type aes; nova_compute
    as COMPUTE_USER (aes too, caps of client.cinder) under COMPUTE_SECRET."""
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "playbooks", "inventory", "lab.yml")) as f:
        import yaml
        listed = yaml.safe_load(f)["all"]["vars"]["ceph_clients_users"]
    users = [dict(u, key_type="aes") if u["name"] in OLD_USERS else u for u in listed]
    cinder = [u for u in listed if u["name"] == "client.cinder"][0]
    users.append(dict(name=COMPUTE_USER, caps=cinder["caps"], key_type="aes", keyring_groups={"nova_compute": "nova"}))
    path = tmp_path / "aes-users.json"
    path.write_text(json.dumps({"ceph_clients_users": users, "nova_compute_rbd_user": COMPUTE_USER.split(".", 1)[1],
                                "cephstack_libvirt_secret_uuid": COMPUTE_SECRET}))
    return "@%s" % path


def test_an_old_client_is_refused_then_served_with_aes_keys(libvirt_uri, tmp_path):
    refused = site(tmp_path)
    assert refused.returncode != 0
    text = " ".join(refused.stdout.split())
    for user in OLD_USERS:
        assert ("lab-compute: %s has an aes256k key (what the cluster mints), which librados 16.2." % user) in text
    for words in ("key_type: aes in ceph_clients_users", "ceph mon set auth_allowed_ciphers aes256k,aes",
                  "mon_auth_allow_insecure_key true", "install newer Ceph client packages on lab-compute"):
        assert words in text, refused.stdout[-3000:]
    assert not set(OLD_USERS) & set(users())
    assert not [n for n in os.listdir(COMPUTE_ETC) if n.endswith(".keyring")] if os.path.isdir(COMPUTE_ETC) else True

    allow = [("mon", "set", "auth_allowed_ciphers", "aes256k,aes"),
             ("config", "set", "mon", "mon_auth_allow_insecure_key", "true")]
    for args in allow:
        assert ceph_cli(*args).returncode == 0
    try:
        first = site(tmp_path, "-e", aes_users(tmp_path))
        assert first.returncode == 0, first.stdout[-4000:]
        again = site(tmp_path, "-e", aes_users(tmp_path))
        recap = [l for l in again.stdout.splitlines() if " changed=" in l]
        assert len(recap) == 2 and all(" changed=0 " in l for l in recap), recap
        keys = users()
        for user in OLD_USERS + (COMPUTE_USER,):
            with open(os.path.join(COMPUTE_ETC, "ceph.%s.keyring" % user)) as f:
                assert f.read() == "[%s]\n\tkey = %s\n" % (user, keys[user])
            assert keys[user].startswith("AQ")
        image = "it-old-client"
        rbd = on_lab_host("rbd", "--conf", os.path.join(LAB, "ceph.conf"))
        assert sh(*rbd, "create", "vms/" + image, "--size", "64M").returncode == 0
        res, dummy = start_domain(libvirt_uri, tmp_path, image, COMPUTE_SECRET, image,
                                  user=COMPUTE_USER.split(".", 1)[1])
        try:
            assert res.returncode == 0, res.stderr
            watchers = json.loads(sh(*rbd, "status", "vms/" + image, "--format", "json").stdout)["watchers"]
            assert len(watchers) == 1     # this machine's qemu and librbd 16.2, through the secret
        finally:
            virsh(libvirt_uri, "destroy", image)
            sh(*rbd, "rm", "vms/" + image)
    finally:
        for user in OLD_USERS + (COMPUTE_USER,):  # test_release_site expects the cluster's own key type
            ceph_cli("auth", "rm", user)
        virsh(libvirt_uri, "secret-undefine", COMPUTE_SECRET)
        # test_release_site counts the compute host's keyrings: COMPUTE_USER's is not one of them
        if os.path.exists(os.path.join(COMPUTE_ETC, "ceph.%s.keyring" % COMPUTE_USER)):
            os.unlink(os.path.join(COMPUTE_ETC, "ceph.%s.keyring" % COMPUTE_USER))
        ceph_cli("mon", "set", "auth_allowed_ciphers", "aes256k")
        ceph_cli("config", "rm", "mon", "mon_auth_allow_insecure_key")

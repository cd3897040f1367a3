"""Key rotation end to end: client.cinder's key rotated the documented way
(playbooks/rotate_key.yml, then site.yml). Every holder gets the new key, qemu opens an RBD disk
with it through the libvirt secret, the old key is refused, and the Glance and Cinder proofs still
pass. docs/security.md gives the production order.
"""
import json
import os
import subprocess
import time

from tests.integration.conftest import LAB, SITE_ARGS, ceph_json, playbook
from tests.integration.service_helpers import (
    HOSTS, SECRET_UUID, admin, rbd_json, service_script, upload)
from tests.integration.test_services import start_domain, virsh

HOLDERS = {"lab-cinder": "cinder", "lab-backup": "cinder", "lab-compute": "nova"}
CONNECT_AS = """
import sys, rados
r = rados.Rados(conffile=sys.argv[1], name="client.cinder", conf={"keyring": sys.argv[2]})
try:
    r.connect(timeout=15)
    print("connected")
except rados.Error as e:
    print(type(e).__name__)
"""


def key_of(entity):
    return ceph_json("auth", "get-key", entity)["key"]


def connects_with(key, tmp_path):
    keyring = tmp_path / "old.keyring"
    keyring.write_text("[client.cinder]\n\tkey = %s\n" % key)
    keyring.chmod(0o600)
    out = subprocess.run(["/usr/bin/python3", "-c", CONNECT_AS, os.path.join(LAB, "ceph.conf"), str(keyring)],
                         capture_output=True, text=True, timeout=60, check=False)
    return out.stdout.strip()


def test_rotate_client_cinder_then_site_reaches_every_holder(service_configs, glance_api, libvirt_uri, tmp_path):
    old = key_of("client.cinder")
    assert connects_with(old, tmp_path) == "connected"
    res = playbook("-i", "playbooks/inventory/lab.yml", "playbooks/rotate_key.yml", "-e",
                   "rotate_entity=client.cinder", "-e", "cephstack_lab_dir=" + LAB)
    assert res.returncode == 0, res.stdout[-3000:]
    new = key_of("client.cinder")
    assert new != old and old not in res.stdout and new not in res.stdout
    caps = ceph_json("auth", "get", "client.cinder")[0]["caps"]
    assert caps["osd"].startswith("profile rbd pool=volumes")          # same caps as before

    # The old key is refused from now on, even before the keyrings change.
    started = time.monotonic()
    assert connects_with(old, tmp_path) in ("PermissionDeniedError", "PermissionError", "OSError")
    assert time.monotonic() - started < 20

    res = playbook(*SITE_ARGS)
    assert res.returncode == 0, res.stdout[-3000:]
    assert old not in res.stdout and new not in res.stdout
    for host, group in HOLDERS.items():
        path = os.path.join(HOSTS, host, "etc", "ceph", "ceph.client.cinder.keyring")
        assert "key = %s" % new in open(path).read(), host
    value = virsh(libvirt_uri, "secret-get-value", SECRET_UUID).stdout.strip()
    assert value == new

    again = playbook(*SITE_ARGS)
    changed = [l for l in again.stdout.splitlines() if " changed=" in l and " changed=0 " not in l]
    assert not changed, changed

    # qemu, under the lab's libvirtd, opens an RBD disk with the new key through the secret.
    assert admin("rbd", "create", "vms/it-rotated", "--size", "64M").returncode == 0
    res, dummy = start_domain(libvirt_uri, tmp_path, "it-rotated", SECRET_UUID, "it-rotated")
    try:
        assert res.returncode == 0, res.stderr
        assert len(rbd_json("status", "vms/it-rotated")["watchers"]) == 1
    finally:
        virsh(libvirt_uri, "destroy", "it-rotated")

    # Glance still stores images, and Cinder's driver clones them with the new keyring.
    image = upload(glance_api, "after-rotation", os.urandom(1024 * 1024))
    assert image["status"] == "active"
    out = service_script("cinder_rbd.py", service_configs["cinder"], "ceph", image["id"], image["direct_url"])
    assert out["cloned"] is True
    assert json.dumps(out).count(new) == 0

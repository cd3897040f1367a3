"""The consuming services really work against the lab, from the configs our roles wrote.

(a) glance-api stores an upload in RBD with a protected snapshot, in the store's own pool;
(b) Cinder's RBD driver clones that image copy-on-write into a volume;
(c) Cinder's Ceph backup driver writes a backup to the backups pool and restores it;
(d) libvirtd/qemu start a domain with an RBD disk through our libvirt secret, and a wrong key fails fast;
(e) the generated configs pass a name-and-value check against the services' own options.
"""
import hashlib
import json
import os
import subprocess
import time

import pytest

from tests.integration.conftest import LAB, SITE_ARGS, ceph_json, playbook, sh
from tests.integration.service_helpers import (
    GLANCE_PORT, HOSTS, SECRET_UUID, add_options, admin, assert_stored_in_rbd, rbd_json, running_glance_api,
    service_script, upload, upload_random)


@pytest.fixture(scope="module")
def image(glance_api):
    return upload_random(glance_api, "cirros-raw")


def test_a_glance_upload_lands_in_rbd_with_protected_snapshot(image):
    assert_stored_in_rbd(image, ceph_json("mon", "dump")["fsid"], rbd_json)
    out = os.path.join(LAB, "services", "export.raw")
    assert admin("rbd", "export", "images/%s@snap" % image["id"], out).returncode == 0
    assert hashlib.sha256(open(out, "rb").read()).hexdigest() == hashlib.sha256(image["data"]).hexdigest()
    os.unlink(out)


def test_a_second_store_uses_its_own_pool(glance_api):
    img = upload(glance_api, "instance-snapshot", os.urandom(1024 * 1024), store="snapshots")
    assert img["status"] == "active" and img["stores"] == "snapshots"
    assert img["id"] in json.loads(admin("rbd", "ls", "snapshots", "--format", "json").stdout)
    pools = {p["pool_name"]: p for p in ceph_json("osd", "pool", "ls", "detail")}
    assert pools["images"]["size"] == 2 and pools["snapshots"]["size"] == 3


def test_b_cinder_rbd_driver_clones_the_glance_image(service_configs, image):
    out = service_script("cinder_rbd.py", service_configs["cinder"], "ceph", image["id"], image["direct_url"])
    assert out["cloned"] is True and out["backend_name"] == "ceph"
    info = json.loads(admin("rbd", "info", "volumes/" + out["from_image"], "--format", "json").stdout)
    assert info["parent"]["pool"] == "images"
    assert info["parent"]["image"] == image["id"] and info["parent"]["snapshot"] == "snap"
    volumes = json.loads(admin("rbd", "ls", "volumes", "--format", "json").stdout)
    assert {out["blank"], out["from_image"], out["copy"]} <= set(volumes)
    assert out["connection"] == {"name": "volumes/" + out["from_image"], "auth_username": "cinder",
                                 "secret_uuid": "457eb676-33da-42ec-9a8c-9293d545c337", "secret_type": "ceph"}


def test_c_cinder_backup_driver_backs_up_and_restores(service_configs):
    conf = service_configs["backup"]
    sync = sh("cinder-manage", "--config-file", conf, "db", "sync")
    assert sync.returncode == 0, sync.stderr[-2000:]
    volume_conf = os.path.join(HOSTS, "lab-cinder", "etc", "ceph", "ceph.conf")
    out = service_script("cinder_backup.py", conf, volume_conf)
    assert out["head_matches"] is True and out["restored_size"] == 1024 ** 3
    assert out["container"] == "backups"
    backups = json.loads(admin("rbd", "ls", "backups", "--format", "json").stdout)
    base = json.loads(out["service_metadata"])["base"]
    assert base in backups
    snaps = json.loads(admin("rbd", "snap", "ls", "backups/" + base, "--format", "json").stdout)
    assert any(s["name"].startswith("backup.%s.snap." % out["backup_id"]) for s in snaps)


RBD_DISK = """    <disk type='network' device='disk'>
      <driver name='qemu' type='raw' cache='writeback' discard='unmap'/>
      <auth username='{user}'><secret type='ceph' uuid='{uuid}'/></auth>
      <source protocol='rbd' name='{pool}/{image}'>
        <host name='127.0.0.1' port='{port}'/>
        <config file='{conf}'/>
      </source>
      <target dev='{dev}' bus='virtio'/>
    </disk>
"""


def domain_xml(name, disks):
    """A qemu guest whose disks are RBD images: each a dict of RBD_DISK's fields but dev."""
    return ("<domain type='qemu'>\n  <name>%s</name>\n  <memory unit='MiB'>64</memory>\n  <vcpu>1</vcpu>\n"
            "  <os><type arch='x86_64' machine='pc'>hvm</type></os>\n  <devices>\n%s  </devices>\n</domain>\n"
            % (name, "".join(RBD_DISK.format(dev="vd" + "abcdefgh"[i], **d) for i, d in enumerate(disks))))


def virsh(uri, *args, **kw):
    return subprocess.run(["virsh", "-q", "-c", uri] + list(args), capture_output=True, text=True,
                          check=False, **kw)


def start_domain(uri, tmp_path, name, uuid, image, user="cinder", host="lab-compute", pool="vms"):
    """A guest whose disk is RBD image pool/image, opened as client.<user> through libvirt secret
    uuid, with the ceph.conf of lab host ``host``."""
    from tests.integration.conftest import V1_PORT
    xml = tmp_path / (name + ".xml")
    xml.write_text(domain_xml(name, [dict(uuid=uuid, image=image, port=V1_PORT, user=user, pool=pool,
                                          conf=os.path.join(HOSTS, host, "etc", "ceph", "ceph.conf"))]))
    started = time.monotonic()
    res = virsh(uri, "create", str(xml), timeout=120)
    return res, time.monotonic() - started


def test_d_qemu_opens_rbd_disk_through_the_libvirt_secret(site, libvirt_uri, tmp_path):
    assert admin("rbd", "create", "vms/it-disk", "--size", "64M").returncode == 0
    res, elapsed = start_domain(libvirt_uri, tmp_path, "it-rbd", SECRET_UUID, "it-disk")
    try:
        assert res.returncode == 0, res.stderr
        status = admin("rbd", "status", "vms/it-disk", "--format", "json")
        watchers = json.loads(status.stdout)["watchers"]
        assert len(watchers) == 1     # qemu's own librbd, authenticated through the secret
    finally:
        virsh(libvirt_uri, "destroy", "it-rbd")


def test_d_missing_secret_fails_at_once(site, libvirt_uri, tmp_path):
    res, elapsed = start_domain(libvirt_uri, tmp_path, "it-nosecret", "00000000-1111-2222-3333-444444444444",
                                "it-disk")
    assert res.returncode != 0 and "secret" in res.stderr.lower()
    assert elapsed < 15


def test_d_wrong_key_fails_within_client_mount_timeout(site, libvirt_uri, tmp_path):
    """A wrong key over msgr v1 would hang for 300 s; the role's client mount timeout (15 s in
    the lab inventory) bounds it."""
    wrong_uuid = "5a5a5a5a-33da-42ec-9a8c-9293d545c337"
    secret = tmp_path / "wrong.xml"
    secret.write_text("<secret ephemeral='no' private='no'><uuid>%s</uuid><usage type='ceph'>"
                      "<name>it wrong key</name></usage></secret>" % wrong_uuid)
    key = tmp_path / "wrong.key"
    key.write_text(sh("ceph-authtool", "--gen-print-key").stdout.strip())
    key.chmod(0o600)
    assert virsh(libvirt_uri, "secret-define", "--file", str(secret)).returncode == 0
    try:
        assert virsh(libvirt_uri, "secret-set-value", "--secret", wrong_uuid, "--file", str(key)).returncode == 0
        res, elapsed = start_domain(libvirt_uri, tmp_path, "it-wrongkey", wrong_uuid, "it-disk")
        if res.returncode == 0:
            virsh(libvirt_uri, "destroy", "it-wrongkey")
        assert res.returncode != 0
        assert 10 <= elapsed < 60, "failed after %.1fs" % elapsed
    finally:
        virsh(libvirt_uri, "secret-undefine", wrong_uuid)


PLANTED = {
    # service: (config key, [(good line, planted line)]): one bad name and one bad value each
    "glance": ("glance", [("rbd_store_pool = images", "rbd_store_pol = images"),
                          ("rbd_store_chunk_size = 8", "rbd_store_chunk_size = eight")]),
    "cinder": ("cinder", [("rbd_user = cinder", "rbd_usr = cinder"),
                          ("rbd_flatten_volume_from_snapshot = false", "rbd_flatten_volume_from_snapshot = nope")]),
    "cinder-backup": ("backup", [("backup_ceph_pool = backups", "backup_ceph_pol = backups"),
                                 ("backup_ceph_chunk_size = 134217728", "backup_ceph_chunk_size = 128M")]),
    "nova": ("nova", [("images_type = rbd", "image_type = rbd"),
                      ("images_type = rbd", "images_type = ceph"),
                      ("inject_partition = -2", "inject_partition = -3")]),
}


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_e_generated_configs_pass_name_and_value_validation(service_configs, name, tmp_path):
    key, plants = PLANTED[name]
    service = "cinder" if name.startswith("cinder") else name
    path = service_configs[key]
    good = service_script("validate_config.py", service, path)
    assert good["errors"] == [] and good["checked"] >= 8, good
    text = open(path).read()
    for original, planted in plants:
        assert original in text, original
        bad_path = tmp_path / ("planted-%s.conf" % abs(hash(planted)))
        bad_path.write_text(text.replace(original, planted, 1))
        bad = service_script("validate_config.py", service, str(bad_path))
        assert len(bad["errors"]) == 1, (planted, bad["errors"])
        assert planted.split(" = ")[0] in bad["errors"][0]


def test_site_check_mode_on_converged_lab_reports_no_change(service_configs):
    res = playbook(*SITE_ARGS, "--check")
    assert res.returncode == 0, res.stdout[-3000:]
    changed = [l for l in res.stdout.splitlines() if " changed=" in l and " changed=0 " not in l]
    assert not changed, changed


@pytest.mark.parametrize("limit, extra, message", [
    ("lab-cinder", {"cinder_backends": [{"name": "ceph", "pool": "backups"}]},
     "client.cinder has no rwx access to pool backups"),
    ("lab-cinder", {"cinder_backends": [{"name": "ceph", "pool": "volumes", "user": "it-old"}]},
     "client.it-old has no rwx access to pool volumes (osd caps: 'profile rbd pool=volumes-old')"),
    ("lab-cinder", {"cinder_backends": [{"name": "ceph", "pool": "volumes", "user": "it-ro"}],
                    "ceph_clients_users": [{"name": "client.it-ro", "caps": {"mon": "profile rbd",
                                            "osd": "profile rbd-read-only pool=volumes"}}]},
     "client.it-ro has no rwx access to pool volumes (osd caps: 'profile rbd-read-only pool=volumes')"),
    ("lab-cinder", {"cinder_backends": [{"name": "ceph", "pool": "volumes", "user": "it-none"}]},
     "client.it-none does not exist; create it with the ceph_clients role"),
    ("lab-cinder", {"cinder_rbd_secret_uuid": "11111111-2222-3333-4444-555555555555"},
     "cinder backend ceph: rbd_secret_uuid (11111111-2222-3333-4444-555555555555) must be a libvirt secret of the "
     "compute hosts that attach its volumes (all of them), but lab-compute holds only 457eb676-33da-42ec-9a8c-9293d545c337"),
    ("lab-glance", {"glance_show_image_direct_url": False},
     "copy-on-write cloning (glance_copy_on_write) needs glance_show_image_direct_url=true"),
], ids=["caps", "pool-prefix", "read-only-planned", "no-user", "secret-uuid", "cow-direct-url"])
def test_cross_checks_fail_early_with_a_clear_message(site, limit, extra, message):
    """Caps are parsed, pool names match exactly: 'pool=volumes-old' is no access to 'volumes'
    (read from the cluster), and a read-only profile is no write access (planned by ceph_clients
    in the same run)."""
    admin("ceph", "auth", "get-or-create", "client.it-old", "mon", "profile rbd", "osd", "profile rbd pool=volumes-old")
    before = {h: open(p).read() for h, p in (
        ("cinder", os.path.join(HOSTS, "lab-cinder", "etc", "cinder", "cinder.conf")),
        ("glance", os.path.join(HOSTS, "lab-glance", "etc", "glance", "glance-api.conf")))}
    res = playbook(*SITE_ARGS, "--limit", limit, "-e", json.dumps(extra))
    assert res.returncode != 0
    assert message in " ".join(res.stdout.split()), res.stdout[-3000:]
    for host, text in before.items():     # failed before touching the service configs
        path = os.path.join(HOSTS, "lab-" + host, "etc", host, "cinder.conf" if host == "cinder" else "glance-api.conf")
        assert open(path).read() == text


def test_glance_image_converts_to_raw_and_uploads(glance_api):
    res = playbook("tests/integration/run_target.yml", "-e", "target=glance_image", "-e", "lab_dir=" + LAB,
                   "-e", "glance_url=" + glance_api)
    assert res.returncode == 0, res.stdout[-6000:]


def test_a_legacy_glance_store_form_works_too(service_configs, tmp_path):
    """The role's legacy [glance_store] form: validated, then a second glance-api stores in RBD."""
    conf = tmp_path / "glance-api.conf"
    play = tmp_path / "legacy.yml"
    play.write_text("""
- hosts: lab-glance
  gather_facts: false
  roles:
    - role: cephstack.cloud.glance
      vars:
        glance_store_mode: legacy
        glance_rbd_stores: [{name: ceph, pool: images, user: glance}]
        glance_config_file: %s
""" % conf)
    res = playbook("-i", "playbooks/inventory/lab.yml", str(play), "-e", "cephstack_lab_dir=" + LAB)
    assert res.returncode == 0, res.stdout[-3000:]
    text = conf.read_text()
    assert "[glance_store]\nstores = rbd\ndefault_store = rbd\nrbd_store_pool = images" in text
    assert "enabled_backends" not in text
    state = service_configs["state"]
    add_options(str(conf), {
        "DEFAULT": {"bind_host": "127.0.0.1", "bind_port": GLANCE_PORT + 1, "workers": 1},
        "database": {"connection": "sqlite:///%s/glance-legacy.sqlite" % state},
        "paste_deploy": {"config_file": "/etc/glance/glance-api-paste.ini"},
    })
    assert service_script("validate_config.py", "glance", str(conf))["errors"] == []
    with running_glance_api(str(conf), GLANCE_PORT + 1, os.path.join(state, "glance-legacy.out")) as url:
        img = upload(url, "legacy", os.urandom(1024 * 1024))
    assert img["status"] == "active" and img["direct_url"].endswith("/images/%s/snap" % img["id"])
    assert img["id"] in json.loads(admin("rbd", "ls", "images", "--format", "json").stdout)

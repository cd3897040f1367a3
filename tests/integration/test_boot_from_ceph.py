"""Boot from Ceph with Nova's and Cinder's own code, on the configs site.yml wrote.

Nova (libvirt images_type=rbd, copy-on-write boot from Glance images): nova's
image backend (imagebackend.Rbd over rbd_utils) loaded from the nova.conf of lab-compute,
  (a) clones the Glance image copy-on-write into vms as <instance uuid>_disk;
  (b) gives the disk element (LibvirtDriver._get_guest_disk_config), and qemu under libvirtd
      boots it and holds a watch through its own librbd;
  (c) snapshots it directly into Glance's pool, flattened, registered in Glance;
  (d) resizes it, and instance cleanup removes it and leaves the Glance image alone.
Cinder (boot from volume): api, scheduler, volume and backup as plain processes on
the generated cinder.conf files, with noauth, sqlite and the tests' RabbitMQ,
  (e) through the v3 API: a volume from the image is a copy-on-write clone, a backup lands in the
      backups pool, a restore gives the same bytes back, and Glance refuses to delete the image
      while the volume exists (409, thanks to client.glance's read-only caps on volumes);
  (f) the connection_info of os-initialize_connection becomes a disk through nova's
      LibvirtNetVolumeDriver, and qemu boots from the volume with the compute host's secret.
"""
import contextlib
import hashlib
import json
import os
import uuid
import warnings

import pytest

from tests.integration.conftest import ceph_json, sh, wait_for
from tests.integration.service_helpers import (
    CINDER_PORT, HOSTS, SECRET_UUID, STATE, admin, answers, http, rbd_json, running, service_script, upload)

IMAGE_SIZE = 4 * 1024 * 1024
CINDER = "http://127.0.0.1:%d/v3" % CINDER_PORT
NOAUTH = {"X-Auth-Token": "admin:admin"}     # cinder's noauth: user:project


def nova(conf, step, instance, *args):
    return service_script("nova_rbd_boot.py", conf, step, instance, *args)


@pytest.fixture(scope="module")
def base_image(glance_api):
    data = os.urandom(IMAGE_SIZE)
    img = upload(glance_api, "boot-from-ceph", data)
    assert img["status"] == "active"
    return dict(img, data=data)


@pytest.fixture(scope="module")
def instance(service_configs, base_image):
    """One instance's root disk, made by nova's code; removed by nova's cleanup at the end."""
    instance_uuid = str(uuid.uuid4())
    yield dict(uuid=instance_uuid, disk="%s_disk" % instance_uuid, conf=service_configs["nova"])
    nova(service_configs["nova"], "destroy", instance_uuid)


def test_a_nova_clones_the_glance_image_copy_on_write(instance, base_image):
    out = nova(instance["conf"], "clone", instance["uuid"], base_image["id"])
    assert out["pool"] == "vms" and out["rbd_name"] == instance["disk"]
    assert out["parent"] == ["images", base_image["id"], "snap"]
    info = rbd_json("info", "vms/" + instance["disk"])
    assert info["parent"]["pool"] == "images" and info["parent"]["image"] == base_image["id"]
    assert info["parent"]["snapshot"] == "snap"
    # Copy-on-write: the clone holds no data of its own yet (nothing was copied).
    usage = rbd_json("du", "vms/" + instance["disk"])
    assert usage["images"][0]["used_size"] == 0, usage


def test_b_nova_disk_xml_boots_under_libvirtd(instance):
    out = nova(instance["conf"], "boot", instance["uuid"])
    xml = out["disk_xml"]
    assert out["active"] is True
    assert 'cache="writeback"' in xml and 'discard="unmap"' in xml    # disk_cachemodes, hw_disk_discard
    assert '<source protocol="rbd" name="vms/%s">' % instance["disk"] in xml
    assert '<auth username="cinder">' in xml and 'uuid="%s"' % SECRET_UUID in xml
    watchers = rbd_json("status", "vms/" + instance["disk"])["watchers"]
    assert len(watchers) == 1, watchers      # qemu's librbd, authenticated through the secret


def test_c_direct_snapshot_lands_in_the_images_pool(instance, base_image, glance_api):
    status, snap = http(glance_api, "POST", "/v2/images",
                        {"name": "instance-snap", "disk_format": "raw", "container_format": "bare"})
    assert status == 201
    out = nova(instance["conf"], "snapshot", instance["uuid"], snap["id"], base_image["id"])
    fsid = ceph_json("mon", "dump")["fsid"]
    assert out["location"] == "rbd://%s/images/%s/snap" % (fsid, snap["id"])
    assert out["image_status"] == "active"
    info = rbd_json("info", "images/" + snap["id"])
    assert "parent" not in info                           # flattened: independent of the disk
    assert [s["name"] for s in rbd_json("snap", "ls", "images/" + snap["id"])] == ["snap"]
    assert [s["name"] for s in rbd_json("snap", "ls", "vms/" + instance["disk"])] == []   # cleaned up
    # Usable through Glance: its bytes are the instance disk's (a clone of the base image).
    status, data = http(glance_api, "GET", "/v2/images/%s/file" % snap["id"])
    assert status == 200 and data[:IMAGE_SIZE] == base_image["data"]


def test_d_resize_then_cleanup_leaves_the_glance_image(instance, base_image):
    out = nova(instance["conf"], "resize", instance["uuid"], str(2 * 1024 ** 3))
    assert out["size"] == 2 * 1024 ** 3
    assert rbd_json("info", "vms/" + instance["disk"])["size"] == 2 * 1024 ** 3
    out = nova(instance["conf"], "destroy", instance["uuid"])
    assert out["exists"] is False
    assert instance["disk"] not in rbd_json("ls", "vms")
    assert base_image["id"] in rbd_json("ls", "images")
    snap = rbd_json("info", "images/%s@snap" % base_image["id"])
    assert snap["protected"] == "true"


@contextlib.contextmanager
def cinder_services(configs):
    """cinder-api, -scheduler and -volume on lab-cinder's cinder.conf, cinder-backup on lab-backup's.
    cinder-backup reads the volume user's keyring at os-brick's fixed path /etc/ceph, so it runs in
    a mount namespace where /etc/ceph is lab-backup's, as on a real backup host."""
    sync = sh("cinder-manage", "--config-file", configs["cinder"], "db", "sync")
    assert sync.returncode == 0, sync.stderr[-2000:]
    log = os.path.join(configs["state"], "cinder-%s.out")
    backup_etc = os.path.join(HOSTS, "lab-backup", "etc", "ceph")
    backup = ["unshare", "-m", "--propagation", "private", "sh", "-c",
              'mount --bind "$0" /etc/ceph && exec cinder-backup --config-file "$1"', backup_etc, configs["backup"]]
    with contextlib.ExitStack() as stack:
        # --debug: the scheduler then logs each backup service report it receives (see below).
        for name, extra in (("volume", []), ("scheduler", ["--debug"])):
            stack.enter_context(running(["cinder-" + name, "--config-file", configs["cinder"]] + extra, log % name,
                                        lambda: True))
        stack.enter_context(running(backup, log % "backup", lambda: True))
        stack.enter_context(running(["cinder-api", "--config-file", configs["cinder"]], log % "api",
                                    answers(CINDER + "/", NOAUTH)))

        def all_up():
            status, body = http(CINDER, "GET", "/os-services", headers=NOAUTH)
            up = {s["binary"] for s in body.get("services", []) if s["state"] == "up"} if status == 200 else set()
            return up >= {"cinder-scheduler", "cinder-volume", "cinder-backup"}
        wait_for(all_up, timeout=90, what="cinder services up")

        def scheduler_knows_the_rbd_pool():
            # A service is "up" before its driver reports capacity; a volume requested before the
            # scheduler has that report fails with "no valid backend" on a loaded machine.
            status, body = http(CINDER, "GET", "/scheduler-stats/get_pools?detail=True", headers=NOAUTH)
            pools = body.get("pools", []) if status == 200 else []
            return [p for p in pools if p["name"].startswith("lab-cinder@")
                    and isinstance(p.get("capabilities", {}).get("free_capacity_gb"), (int, float))]
        wait_for(scheduler_knows_the_rbd_pool, timeout=120, what="the scheduler's report of lab-cinder's RBD pool")

        def scheduler_knows_the_backup_service():
            # The same for backups: the scheduler places a backup only on a backup service whose
            # report it has received ("Service not found for creating backup" before that). The
            # report is sent at start, which a scheduler not yet listening misses, and then every
            # backup_driver_stats_polling_interval.
            with open(os.path.join(STATE, "cinder-scheduler.out"), errors="replace") as f:
                return "Received backup service update from lab-backup" in f.read()
        wait_for(scheduler_knows_the_backup_service, timeout=120, what="the scheduler's report of lab-backup")
        yield CINDER


@pytest.fixture(scope="module")
def cinder_api(service_configs):
    with cinder_services(service_configs) as url:
        yield url


def cinder(method, path, body=None):
    return http(CINDER, method, path, body, NOAUTH)


def log_lines(name, obj_id, lines=25):
    """The lines of a Cinder service's log that name obj_id or are errors, last ones first to go."""
    path = os.path.join(STATE, "cinder-%s.out" % name)
    try:
        with open(path, errors="replace") as f:
            wanted = [line for line in f if obj_id in line or " ERROR " in line or "Traceback" in line
                      or line.startswith(("  File", "    "))]
    except OSError as e:
        return str(e)
    return "".join(line[:600] + ("\n" if len(line) > 600 else "") for line in wanted[-lines:])


def why_in_error(kind, obj_id, state):
    """What Cinder says about an object in error: its user messages and the services' log lines."""
    status, body = http(CINDER, "GET", "/messages", headers=dict(NOAUTH, **{"OpenStack-API-Version": "volume 3.3"}))
    messages = [m for m in body.get("messages", []) if m.get("resource_uuid") == obj_id] if status == 200 else body
    logs = "\n".join("--- cinder-%s ---\n%s" % (n, log_lines(n, obj_id)) for n in ("backup", "volume", "scheduler"))
    return "%s %s is %s; messages: %s\n%s" % (kind, obj_id, state, messages, logs)


def wait_status(kind, obj_id, want):
    def probe():
        status, body = cinder("GET", "/%ss/%s" % (kind, obj_id))
        state = body[kind]["status"]
        assert "error" not in state, why_in_error(kind, obj_id, state)
        return state == want and body[kind]
    return wait_for(probe, timeout=90, what="%s %s %s" % (kind, obj_id, want))


@pytest.fixture(scope="module")
def volume_from_image(cinder_api, base_image):
    status, body = cinder("POST", "/volumes", {"volume": {"size": 1, "imageRef": base_image["id"], "name": "bfv"}})
    assert status == 202, body
    return wait_status("volume", body["volume"]["id"], "available")


def test_e_volume_from_image_is_a_copy_on_write_clone(volume_from_image, base_image):
    assert volume_from_image["volume_image_metadata"]["image_id"] == base_image["id"]
    assert volume_from_image["bootable"] == "true"
    info = rbd_json("info", "volumes/volume-" + volume_from_image["id"])
    assert info["parent"]["pool"] == "images" and info["parent"]["image"] == base_image["id"]


def test_e_glance_refuses_to_delete_an_image_in_use(volume_from_image, base_image, glance_api):
    status, body = http(glance_api, "DELETE", "/v2/images/" + base_image["id"])
    assert status == 409, (status, body)
    assert base_image["id"] in rbd_json("ls", "images")


class RestoreFailed(AssertionError):
    pass


def restore_once(backup_id):
    status, body = cinder("POST", "/backups/%s/restore" % backup_id, {"restore": {"name": "restored"}})
    assert status == 202, body
    volume_id = body["restore"]["volume_id"]

    def probe():
        status, body = cinder("GET", "/volumes/%s" % volume_id)
        state = body["volume"]["status"]
        if "error" in state:
            raise RestoreFailed(why_in_error("volume", volume_id, state))
        return state == "available" and body["volume"]
    return wait_for(probe, timeout=90, what="restored volume %s available" % volume_id)


def restore(backup_id):
    """Restore into a new volume. On a loaded 2-core machine, beside the other test streams, a
    restore has once ended in error with nothing in Cinder's messages. A second restore must then
    succeed, and the first failure, with Cinder's log lines, is reported as a warning."""
    try:
        return restore_once(backup_id)
    except RestoreFailed as first:
        warnings.warn("the first restore failed, restoring again: %s" % str(first)[:4000])
    wait_status("backup", backup_id, "available")
    return restore_once(backup_id)


def test_e_backup_lands_in_the_backups_pool_and_restores_the_same_bytes(volume_from_image, base_image):
    status, body = cinder("POST", "/backups", {"backup": {"volume_id": volume_from_image["id"], "name": "bk"}})
    assert status == 202, body
    backup = wait_status("backup", body["backup"]["id"], "available")
    assert backup["container"] == "backups"
    assert any(backup["id"] in name for name in rbd_json("ls", "backups"))
    restored = restore(backup["id"])
    head = admin("rbd", "export", "volumes/volume-" + restored["id"], os.path.join(HOSTS, "..", "restored.raw"))
    assert head.returncode == 0, head.stderr
    path = os.path.join(HOSTS, "..", "restored.raw")
    with open(path, "rb") as f:
        data = f.read(IMAGE_SIZE)
    os.unlink(path)
    assert hashlib.sha256(data).digest() == hashlib.sha256(base_image["data"]).digest()


def test_f_boot_from_volume_through_cinders_connection_info(service_configs, volume_from_image):
    connector = {"host": "lab-compute", "ip": "127.0.0.1", "initiator": None, "multipath": False,
                 "platform": "x86_64", "os_type": "linux"}
    status, body = cinder("POST", "/volumes/%s/action" % volume_from_image["id"],
                          {"os-initialize_connection": {"connector": connector}})
    assert status == 200, body
    info = body["connection_info"]
    assert info["driver_volume_type"] == "rbd" and info["data"]["secret_uuid"] == SECRET_UUID
    instance_uuid = str(uuid.uuid4())
    try:
        out = nova(service_configs["nova"], "attach", instance_uuid, json.dumps(info))
        assert out["active"] is True
        assert '<source protocol="rbd" name="volumes/volume-%s">' % volume_from_image["id"] in out["disk_xml"]
        watchers = rbd_json("status", "volumes/volume-" + volume_from_image["id"])["watchers"]
        assert len(watchers) == 1, watchers
    finally:
        nova(service_configs["nova"], "destroy", instance_uuid)

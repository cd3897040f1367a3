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
import hashlib
import os
import uuid

import pytest

from tests.integration.cinder_helpers import (
    assert_a_copy_on_write_clone, assert_qemu_boots_from_the_volume, backup_and_restore, cinder_services)
from tests.integration.conftest import ceph_json
from tests.integration.service_helpers import (
    CINDER_PORT, HOSTS, SECRET_UUID, STATE, http, rbd_json, service_script, upload)

IMAGE_SIZE = 4 * 1024 * 1024
CINDER = "http://127.0.0.1:%d/v3" % CINDER_PORT


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


@pytest.fixture(scope="module")
def cinder_api(service_configs):
    """cinder-api, -scheduler and -volume on lab-cinder's cinder.conf, cinder-backup on lab-backup's.
    cinder-backup reads the volume user's keyring at os-brick's fixed path /etc/ceph, so it runs in
    a mount namespace where /etc/ceph is lab-backup's, as on a real backup host."""
    backup_etc = os.path.join(HOSTS, "lab-backup", "etc", "ceph")
    backup = ["unshare", "-m", "--propagation", "private", "sh", "-c",
              'mount --bind "$0" /etc/ceph && exec cinder-backup --config-file "$1"', backup_etc,
              service_configs["backup"]]
    with cinder_services(CINDER, STATE, service_configs["cinder"], backup) as api:
        yield api


@pytest.fixture(scope="module")
def volume_from_image(cinder_api, base_image):
    return cinder_api.create("volume", {"size": 1, "imageRef": base_image["id"], "name": "bfv"})


def test_e_volume_from_image_is_a_copy_on_write_clone(volume_from_image, base_image):
    assert_a_copy_on_write_clone(volume_from_image, base_image["id"])


def test_e_glance_refuses_to_delete_an_image_in_use(volume_from_image, base_image, glance_api):
    status, body = http(glance_api, "DELETE", "/v2/images/" + base_image["id"])
    assert status == 409, (status, body)
    assert base_image["id"] in rbd_json("ls", "images")


def test_e_backup_lands_in_the_backups_pool_and_restores_the_same_bytes(cinder_api, volume_from_image, base_image):
    restored = backup_and_restore(cinder_api, volume_from_image["id"], IMAGE_SIZE)
    assert hashlib.sha256(restored).digest() == hashlib.sha256(base_image["data"]).digest()


def test_f_boot_from_volume_through_cinders_connection_info(cinder_api, service_configs, volume_from_image):
    assert_qemu_boots_from_the_volume(cinder_api, volume_from_image["id"], SECRET_UUID,
                                      lambda *args: nova(service_configs["nova"], *args))

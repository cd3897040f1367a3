"""The OpenStack release that runs beside each Ceph release (Reef: 2025.1, Tentacle: 2026.2), on the
configs that site.yml wrote for it (test_release_site.py runs first and leaves them in the lab):

- that release's glance-api (glance.wsgi.api under a WSGI server, as the release wants) stores an
  upload in RBD, with a protected snapshot and an rbd:// direct URL;
- Cinder's own RBD driver of that release clones it copy-on-write into a volume;
- cinder-api, -scheduler, -volume and -backup of that release, on the cinder.conf files of
  lab-cinder and lab-backup and the tests' RabbitMQ, make a volume from the image through the v3
  API (a copy-on-write clone, the image's locations read through the release's Glance API), back it
  up into the backups pool and restore the same bytes;
- Nova's own RBD image backend of that release, with the nova.conf that nova_compute wrote for the
  compute host, clones the image into the vms pool; qemu under the compute host's libvirtd boots
  that disk through the libvirt secret; Nova snapshots it straight into the images pool and
  registers the location with Glance (2026.2: through Glance's location API, with
  show_multiple_locations unset; 2025.1: as an image update, which needs that option); and qemu
  boots from the Cinder volume with the connection_info that Cinder gives;
- that release's manila-share, -scheduler and -api serve a CephFS share whose cephx key mounts it.

The services run in the image of that OpenStack release (scripts/ceph-release-image.sh RELEASE
--openstack), with its Python, librados and librbd, against the release's lab on the host network.
"""
import json
import os
import re
import shutil
import subprocess
import uuid

import pytest

from tests.integration.cinder_helpers import (
    assert_a_copy_on_write_clone, assert_qemu_boots_from_the_volume, backup_and_restore, cinder_services,
    service_options)
from tests.integration.manila_helpers import assert_a_share_serves_only_its_client, manila_services
from tests.integration.manila_helpers import service_options as manila_options
from tests.integration.conftest import (
    COMPUTE_URI, CONTAINER, LAB, MINTED_TYPE, RELEASE, TOP, ceph_json, podman, wait_for)
from tests.integration import service_helpers
from tests.integration.service_helpers import (
    SECRET_UUID, add_options, admin, answers, assert_stored_in_rbd, host_etc, http, rbd_json, running, upload_random)

pytestmark = [pytest.mark.release,
              pytest.mark.skipif(CONTAINER is None, reason="the host's Zed services are test_services'")]

GLANCE_PORT = {"reef": 19281, "tentacle": 19283}.get(RELEASE)
CINDER_PORT = {"reef": 18781, "tentacle": 18783}.get(RELEASE)
MANILA_PORT = {"reef": 18791, "tentacle": 18793}.get(RELEASE)
STACK = (CONTAINER or "") + "-stack"
STATE = os.path.join(LAB, "stack")
SERVICES = os.path.join(TOP, "tests", "integration", "services")


# A policy file with every rule of the release's glance open (oslo.policy's "@")
ALL_RULES_OPEN = "from glance import policies\nfor rule in policies.list_rules():\n    print('%r: \"@\"' % rule.name)\n"


def stack_script(script, *args):
    """The argv of a console script of the release's services (cinder-volume, ...) in the stack."""
    return ["podman", "exec", STACK, "/usr/bin/python3", "/opt/services/console_script.py", script] + list(args)


def in_stack(*argv, timeout=300):
    """argv in the OpenStack release's container; its last line of output as JSON."""
    res = podman("exec", STACK, *argv, timeout=timeout)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-4000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def stack():
    assert os.path.exists(host_etc("lab-glance", "glance", "glance-api.conf")), \
        "no configs in the lab: run tests/integration/test_release_site.py first, in the same session"
    image = subprocess.run([os.path.join(TOP, "scripts", "ceph-release-image.sh"), RELEASE, "--openstack"],
                           capture_output=True, text=True, check=True).stdout.strip()
    podman("rm", "-f", STACK)
    shutil.rmtree(STATE, ignore_errors=True)
    os.makedirs(STATE)
    os.makedirs(service_helpers.STATE, exist_ok=True)   # where running() starts its processes
    # --cap-add all: os-brick's privsep daemon (cinder-backup reading a volume) keeps the capabilities
    # it needs, as under root on a real host
    started = podman("run", "-d", "--name", STACK, "--init", "--network", "host", "--runtime", "runc",
                     "--cap-add", "all",
                     "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096", "-v", "%s:%s" % (LAB, LAB),
                     "-v", SERVICES + ":/opt/services:ro", image, "sleep", "infinity")
    assert started.returncode == 0, started.stderr
    yield STACK
    podman("rm", "-f", "-t", "2", STACK)


@pytest.fixture(scope="module")
def glance_api(stack):
    """The glance-api.conf that the glance role wrote, with what the operator's tooling adds (the
    listener's database, log and paste file), served by the release's glance.wsgi.api."""
    conf_dir = os.path.join(STATE, "glance")
    os.makedirs(conf_dir)
    conf = os.path.join(conf_dir, "glance-api.conf")
    shutil.copy(host_etc("lab-glance", "glance", "glance-api.conf"), conf)
    add_options(conf, {
        "DEFAULT": {"log_file": os.path.join(STATE, "glance-api.log"), "workers": 1},
        "database": {"connection": "sqlite:///%s/glance.sqlite" % STATE},
        "paste_deploy": {"config_file": os.path.join(conf_dir, "glance-api-paste.ini")},
        "os_glance_staging_store": {"filesystem_store_datadir": os.path.join(STATE, "staging")},
        "os_glance_tasks_store": {"filesystem_store_datadir": os.path.join(STATE, "tasks")},
    })
    paste = podman("exec", stack, "cat", "/etc/glance/glance-api-paste.ini")
    assert paste.returncode == 0, paste.stderr
    # the tests' glance has no Keystone: the release's keystone pipeline with the tests' stand-in
    # for auth_token, and every API rule open to its one caller
    auth_token = "paste.filter_factory = keystonemiddleware.auth_token:filter_factory\n"
    assert auth_token in paste.stdout
    with open(os.path.join(conf_dir, "glance-api-paste.ini"), "w") as f:
        f.write(paste.stdout.replace(auth_token, "paste.filter_factory = identity_stand_in:filter_factory\n"))
    add_options(conf, {"paste_deploy": {"flavor": "keystone"}})
    policy = podman("exec", stack, "/usr/bin/python3", "-c", ALL_RULES_OPEN)
    assert policy.returncode == 0, policy.stderr[-2000:]
    with open(os.path.join(conf_dir, "policy.yaml"), "w") as f:
        f.write(policy.stdout)
    add_options(conf, {"oslo_policy": {"policy_file": os.path.join(conf_dir, "policy.yaml"),
                                       "enforce_scope": False, "enforce_new_defaults": False}})
    sync = podman("exec", stack, "glance-manage", "--config-file", conf, "db_sync", timeout=300)
    assert sync.returncode == 0, sync.stdout[-2000:] + sync.stderr[-3000:]
    url = "http://127.0.0.1:%d" % GLANCE_PORT
    argv = ["podman", "exec", "-e", "OS_GLANCE_CONFIG_DIR=" + conf_dir, stack,
            "/usr/bin/python3", "/opt/services/wsgi_app.py", "glance", str(GLANCE_PORT)]
    with running(argv, os.path.join(STATE, "glance-wsgi.out"), answers(url + "/healthcheck"), timeout=180,
                 what="glance-api of the release"):
        yield url


def glance_served(method, path):
    """The statuses with which the tests' glance-api answered method path (its request log)."""
    with open(os.path.join(STATE, "glance-wsgi.out"), errors="replace") as f:
        return re.findall(r'"%s %s HTTP/1.[01]" (\d+)' % (method, re.escape(path)), f.read())


@pytest.fixture(scope="module")
def image(glance_api):
    return upload_random(glance_api, "release-raw")


def test_glance_stores_an_upload_in_rbd_with_a_protected_snapshot(image):
    assert_stored_in_rbd(image, ceph_json("mon", "dump")["fsid"], rbd_json)


def test_cinders_rbd_driver_clones_the_image_copy_on_write(stack, image):
    conf = os.path.join(STATE, "cinder.conf")
    shutil.copy(host_etc("lab-cinder", "cinder", "cinder.conf"), conf)
    add_options(conf, {"DEFAULT": {"state_path": STATE}, "oslo_concurrency": {"lock_path": STATE}})
    out = in_stack("/usr/bin/python3", "/opt/services/cinder_rbd.py", conf, "ceph", image["id"], image["direct_url"])
    assert out["cloned"] is True and out["backend_name"] == "ceph"
    parent = rbd_json("info", "volumes/" + out["from_image"])["parent"]
    assert (parent["pool"], parent["image"], parent["snapshot"]) == ("images", image["id"], "snap")
    assert out["connection"]["auth_username"] == "cinder"
    for name in (out["copy"], out["from_image"], out["blank"]):
        admin("rbd", "rm", "volumes/" + name)


@pytest.fixture(scope="module")
def cinder_api(stack, glance_api, rabbitmq):
    """The release's cinder-api, -scheduler and -volume on lab-cinder's cinder.conf, and its
    cinder-backup on lab-backup's, which reads the volume user's keyring at os-brick's fixed path
    /etc/ceph: in the stack's container that is lab-backup's, as on a real backup host."""
    confs = {}
    for host in ("lab-cinder", "lab-backup"):
        confs[host] = os.path.join(STATE, "%s-cinder.conf" % host)
        shutil.copy(host_etc(host, "cinder", "cinder.conf"), confs[host])
        add_options(confs[host], service_options(host, STATE, rabbitmq, CINDER_PORT, glance_api))
        add_options(confs[host], {"DEFAULT": {"api_paste_config": "/etc/cinder/api-paste.ini"}})
    backup = ["podman", "exec", STACK, "sh", "-c",
              'mkdir -p /etc/ceph && cp "$0"/* /etc/ceph/ && exec "$@"', host_etc("lab-backup", "ceph")] + \
        stack_script("cinder-backup", "--config-file", confs["lab-backup"])[3:]
    url = "http://127.0.0.1:%d/v3" % CINDER_PORT
    with cinder_services(url, STATE, confs["lab-cinder"], backup, command=stack_script) as api:
        yield api


@pytest.fixture(scope="module")
def volume_from_image(cinder_api, image):
    return cinder_api.create("volume", {"size": 1, "imageRef": image["id"], "name": "from-image"})


def test_the_cinder_services_make_a_volume_from_the_image_copy_on_write(volume_from_image, image):
    assert_a_copy_on_write_clone(volume_from_image, image["id"])
    # cinder-volume read the image's locations: on 2026.2 through Glance's location API, on 2025.1
    # in the image's record (show_multiple_locations)
    assert ("200" in glance_served("GET", "/v2/images/%s/locations" % image["id"])) == (RELEASE == "tentacle")


def test_cinder_backup_lands_in_the_backups_pool_and_restores_the_same_bytes(cinder_api, volume_from_image, image):
    restored = backup_and_restore(cinder_api, volume_from_image["id"], len(image["data"]))
    assert restored == image["data"]


def nova(conf, step, instance, *args):
    return in_stack("/usr/bin/python3", "/opt/services/nova_rbd_boot.py", conf, step, instance, *args)


@pytest.fixture(scope="module")
def nova_conf(stack, glance_api, compute_host):
    """lab-compute's nova.conf, with what the operator's tooling adds (state paths, the compute
    host's libvirtd, Glance's address)."""
    conf = os.path.join(STATE, "nova.conf")
    shutil.copy(host_etc("lab-compute", "nova", "nova.conf"), conf)
    add_options(conf, {"DEFAULT": {"state_path": os.path.join(STATE, "nova"),
                                   "instances_path": os.path.join(STATE, "nova", "instances")},
                       "libvirt": {"connection_uri": COMPUTE_URI},
                       "glance": {"endpoint_override": glance_api}, "oslo_concurrency": {"lock_path": STATE}})
    return conf


@pytest.fixture(scope="module")
def instance(nova_conf):
    """One instance's root disk, made by nova's code; removed by nova's cleanup at the end."""
    instance_uuid = str(uuid.uuid4())
    yield dict(uuid=instance_uuid, disk="%s_disk" % instance_uuid, conf=nova_conf)
    nova(nova_conf, "destroy", instance_uuid)


def test_novas_rbd_image_backend_clones_the_image_into_vms(instance, image):
    out = nova(instance["conf"], "clone", instance["uuid"], image["id"])
    assert out["pool"] == "vms" and out["rbd_name"] == instance["disk"]
    assert out["parent"][:3] == ["images", image["id"], "snap"]
    assert rbd_json("du", "vms/" + instance["disk"])["images"][0]["used_size"] == 0   # nothing copied


def test_qemu_boots_novas_disk_through_the_libvirt_secret(instance):
    out = nova(instance["conf"], "boot", instance["uuid"])
    assert out["active"] is True
    assert '<source protocol="rbd" name="vms/%s">' % instance["disk"] in out["disk_xml"]
    assert '<auth username="cinder">' in out["disk_xml"] and 'uuid="%s"' % SECRET_UUID in out["disk_xml"]
    watchers = rbd_json("status", "vms/" + instance["disk"])["watchers"]
    assert len(watchers) == 1, watchers      # qemu's librbd, authenticated through the secret


def test_novas_direct_snapshot_registers_its_location_with_glance(instance, image, glance_api):
    status, snap = http(glance_api, "POST", "/v2/images",
                        {"name": "instance-snap", "disk_format": "raw", "container_format": "bare"})
    assert status == 201
    out = nova(instance["conf"], "snapshot", instance["uuid"], snap["id"], image["id"])
    if RELEASE == "tentacle":       # 2026.2: Glance's location API
        assert glance_served("POST", "/v2/images/%s/locations" % snap["id"]) == ["202"]
    else:                           # 2025.1: an image update that adds the location
        assert glance_served("POST", "/v2/images/%s/locations" % snap["id"]) == []
        assert "200" in glance_served("PATCH", "/v2/images/%s" % snap["id"])
    assert out["location"] == "rbd://%s/images/%s/snap" % (ceph_json("mon", "dump")["fsid"], snap["id"])
    # Glance takes the location at once (202) and makes the image active in a task of its own,
    # once it has read the image's size and hash through the store
    assert out["image_status"] in ("queued", "active")

    def active():
        status, body = http(glance_api, "GET", "/v2/images/" + snap["id"])
        assert status == 200 and body["status"] in ("queued", "importing", "active"), (status, body)
        return body["status"] == "active" and body
    registered = wait_for(active, timeout=90, what="the snapshot's image active in Glance")
    assert registered["direct_url"] == out["location"] and registered["size"] == len(image["data"])
    assert "parent" not in rbd_json("info", "images/" + snap["id"])       # flattened
    assert [s["name"] for s in rbd_json("snap", "ls", "vms/" + instance["disk"])] == []   # cleaned up
    status, data = http(glance_api, "GET", "/v2/images/%s/file" % snap["id"])
    assert status == 200 and data[:len(image["data"])] == image["data"]


def test_qemu_boots_from_the_cinder_volume_with_its_connection_info(cinder_api, volume_from_image, nova_conf):
    assert_qemu_boots_from_the_volume(cinder_api, volume_from_image["id"], SECRET_UUID,
                                      lambda *args: nova(nova_conf, *args))


@pytest.fixture(scope="module")
def manila_api(stack, rabbitmq, mariadb):
    """The release's manila-share, -scheduler and -api on lab-manila's manila.conf, with the tests'
    RabbitMQ and MariaDB."""
    state = os.path.join(STATE, "manila")
    os.makedirs(state, exist_ok=True)
    conf = os.path.join(STATE, "manila.conf")
    shutil.copy(host_etc("lab-manila", "manila", "manila.conf"), conf)
    add_options(conf, manila_options("lab-manila", state, rabbitmq, mariadb("manila"), MANILA_PORT))
    add_options(conf, {"DEFAULT": {"api_paste_config": "/etc/manila/api-paste.ini"}})
    # from 2025.2 on, manila-api runs only under a WSGI server; 2025.1's WSGI application is served alike
    api_argv = ["podman", "exec", STACK, "/usr/bin/python3", "/opt/services/wsgi_app.py", "manila", str(MANILA_PORT),
                "--config-file", conf]
    with manila_services("http://127.0.0.1:%d/v2" % MANILA_PORT, state, conf, command=stack_script,
                         api=api_argv) as api:
        yield api


def mount_and_write(auth_id, key, root):
    """libcephfs of the release, in the stack's container, mounts root as client.auth_id (the key
    on stdin) and writes a file."""
    res = podman("exec", "-i", STACK, "/usr/bin/python3", "/opt/services/cephfs_client.py",
                 os.path.join(LAB, "ceph.conf"), auth_id, root, "from-api.txt", input=key, timeout=120)
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout)


def test_manila_services_serve_a_cephfs_share_that_its_client_mounts(manila_api):
    key = assert_a_share_serves_only_its_client(manila_api, mount_and_write)
    assert key.startswith(MINTED_TYPE)       # minted by the release's monitors

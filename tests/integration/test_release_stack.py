"""The OpenStack release that runs beside each Ceph release (Reef: 2025.1, Tentacle: 2026.2), on the
configs that site.yml wrote for it (test_release_site.py runs first and leaves them in the lab):

- that release's glance-api (glance.wsgi.api under a WSGI server, as the release wants) stores an
  upload in RBD, with a protected snapshot and an rbd:// direct URL;
- Cinder's own RBD driver of that release clones it copy-on-write into a volume;
- on Tentacle, whose site.yml run has a compute host, Nova's own RBD image backend of 2026.2 clones
  it into the vms pool, with the nova.conf that nova_compute wrote.

The services run in the image of that OpenStack release (scripts/ceph-release-image.sh RELEASE
--openstack), with its Python, librados and librbd, against the release's lab on the host network.
"""
import json
import os
import shutil
import subprocess
import uuid

import pytest

from tests.integration.conftest import CONTAINER, LAB, RELEASE, TOP, ceph_json
from tests.integration import service_helpers
from tests.integration.service_helpers import (
    add_options, admin, answers, assert_stored_in_rbd, host_etc, rbd_json, running, upload_random)

pytestmark = [pytest.mark.release,
              pytest.mark.skipif(CONTAINER is None, reason="the host's Zed services are test_services'")]

GLANCE_PORT = {"reef": 19281, "tentacle": 19283}.get(RELEASE)
STACK = (CONTAINER or "") + "-stack"
STATE = os.path.join(LAB, "stack")
SERVICES = os.path.join(TOP, "tests", "integration", "services")
WITH_COMPUTE = RELEASE == "tentacle"


# A policy file with every rule of the release's glance open (oslo.policy's "@")
ALL_RULES_OPEN = "from glance import policies\nfor rule in policies.list_rules():\n    print('%r: \"@\"' % rule.name)\n"


def podman(*args, **kw):
    return subprocess.run(["podman"] + list(args), capture_output=True, text=True, check=False, **kw)


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
    started = podman("run", "-d", "--name", STACK, "--init", "--network", "host", "--runtime", "runc",
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
    with open(os.path.join(conf_dir, "glance-api-paste.ini"), "w") as f:
        f.write(paste.stdout)
    # the tests' glance has no Keystone (paste flavor ''): every API rule open to its one caller
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
            "/usr/bin/python3", "/opt/services/glance_wsgi.py", str(GLANCE_PORT)]
    with running(argv, os.path.join(STATE, "glance-wsgi.out"), answers(url + "/healthcheck"), timeout=180,
                 what="glance-api of the release"):
        yield url


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


@pytest.mark.skipif(not WITH_COMPUTE, reason="only Tentacle's site.yml run has a compute host")
def test_novas_rbd_image_backend_clones_the_image_into_vms(stack, glance_api, image):
    conf = os.path.join(STATE, "nova.conf")
    shutil.copy(host_etc("lab-compute", "nova", "nova.conf"), conf)
    add_options(conf, {"DEFAULT": {"state_path": os.path.join(STATE, "nova")},
                       "glance": {"endpoint_override": glance_api}, "oslo_concurrency": {"lock_path": STATE}})
    instance = str(uuid.uuid4())
    out = in_stack("/usr/bin/python3", "/opt/services/nova_rbd_boot.py", conf, "clone", instance, image["id"])
    assert out["pool"] == "vms" and out["rbd_name"] == instance + "_disk"
    assert out["parent"][:3] == ["images", image["id"], "snap"]
    removed = admin("rbd", "rm", "vms/%s_disk" % instance)
    assert removed.returncode == 0, removed.stderr

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
- that release's manila-share, -scheduler and -api serve a CephFS share whose cephx key mounts it;
- Manila's NFS the supported way (cephfs_nfs_cluster_id): site.yml's nfs_ganesha_cephfs and
  manila_cephfs set to an NFS cluster of Ceph's mgr nfs module; Ganesha reads its configuration and
  exports from RADOS; Manila, through the API, creates an NFS share and allows a client, the mgr puts
  the export into RADOS, and a userspace NFS client writes into it; the file is read back through
  libcephfs inside the subvolume; deny and delete remove the export.

The services run in the image of that OpenStack release (scripts/ceph-release-image.sh RELEASE
--openstack), with its Python, librados and librbd, against the release's lab on the host network.
"""
import contextlib
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
    COMPUTE, COMPUTE_URI, CONTAINER, KEY_RE, LAB, MINTED_TYPE, RELEASE, TOP, ceph_json, playbook, podman, wait_for)
from tests.integration.test_release_site import NFS_ETC, NFS_HOST_VARS, READ_BACK, site_args
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


def stack_script(script, *args, container=STACK):
    """The argv of a console script of the release's services (cinder-volume, ...) in the stack."""
    return ["podman", "exec", container, "/usr/bin/python3", "/opt/services/console_script.py", script] + list(args)


def in_stack(*argv, timeout=300):
    """argv in the OpenStack release's container; its last line of output as JSON."""
    res = podman("exec", STACK, *argv, timeout=timeout)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-4000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def stack():
    assert os.path.exists(host_etc("lab-glance", "glance", "glance-api.conf")), \
        "no configs in the lab: run tests/integration/test_release_site.py first, in the same session"
    shutil.rmtree(STATE, ignore_errors=True)
    os.makedirs(STATE)
    os.makedirs(service_helpers.STATE, exist_ok=True)   # where running() starts its processes
    start_stack(STACK)
    yield STACK
    podman("rm", "-f", "-t", "2", STACK)


def start_stack(name):
    """A container of the OpenStack release's image on the host network. Services run in it with
    podman exec; removing the container stops them all."""
    image = subprocess.run([os.path.join(TOP, "scripts", "ceph-release-image.sh"), RELEASE, "--openstack"],
                           capture_output=True, text=True, check=True).stdout.strip()
    podman("rm", "-f", name)
    # --cap-add all: os-brick's privsep daemon (cinder-backup reading a volume) keeps the capabilities
    # it needs, as under root on a real host
    started = podman("run", "-d", "--name", name, "--init", "--network", "host", "--runtime", "runc",
                     "--cap-add", "all",
                     "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096", "-v", "%s:%s" % (LAB, LAB),
                     "-v", SERVICES + ":/opt/services:ro", image, "sleep", "infinity")
    assert started.returncode == 0, started.stderr


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
def cinder_api(stack, glance_api, rabbitmq, mariadb):
    """The release's cinder-api, -scheduler and -volume on lab-cinder's cinder.conf, and its
    cinder-backup on lab-backup's, which reads the volume user's keyring at os-brick's fixed path
    /etc/ceph: in the stack's container that is lab-backup's, as on a real backup host."""
    confs = {}
    database = mariadb("cinder")
    for host in ("lab-cinder", "lab-backup"):
        confs[host] = os.path.join(STATE, "%s-cinder.conf" % host)
        shutil.copy(host_etc(host, "cinder", "cinder.conf"), confs[host])
        add_options(confs[host], service_options(host, STATE, rabbitmq, database, CINDER_PORT, glance_api))
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


@contextlib.contextmanager
def manila_in_container(name, rabbitmq, database_url):
    """The release's manila-share, -scheduler and -api on a copy of lab-manila's manila.conf (as
    site.yml left it) with the tests' RabbitMQ and a database of their own, in a container of their
    own, which is removed afterwards (that stops them: podman exec does not pass a signal on).
    Yields a Manila."""
    state = os.path.join(STATE, name)
    os.makedirs(state, exist_ok=True)
    conf = os.path.join(STATE, name + ".conf")
    shutil.copy(host_etc("lab-manila", "manila", "manila.conf"), conf)
    add_options(conf, manila_options("lab-manila", state, rabbitmq, database_url, MANILA_PORT))
    add_options(conf, {"DEFAULT": {"api_paste_config": "/etc/manila/api-paste.ini"}})
    container = STACK + "-" + name
    start_stack(container)
    try:
        # from 2025.2 on, manila-api runs only under a WSGI server; 2025.1's WSGI application is served alike
        api_argv = ["podman", "exec", container, "/usr/bin/python3", "/opt/services/wsgi_app.py", "manila",
                    str(MANILA_PORT), "--config-file", conf]
        with manila_services("http://127.0.0.1:%d/v2" % MANILA_PORT, state, conf, api=api_argv,
                             command=lambda script, *args: stack_script(script, *args, container=container)) as api:
            yield api
    finally:
        podman("rm", "-f", "-t", "2", container)


@pytest.fixture
def manila_api(stack, rabbitmq, mariadb):
    """The release's Manila services on lab-manila's manila.conf."""
    with manila_in_container("manila", rabbitmq, mariadb("manila")) as api:
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


NFS_CLUSTER = "labnfs"
NFS_MODE = {"nfs_ganesha_cephfs_nfs_cluster_id": NFS_CLUSTER, "manila_cephfs_protocol": "NFS",
            "manila_cephfs_nfs_cluster_id": NFS_CLUSTER}
NFS_HOSTS = "lab-nfs,lab-manila"


def recap_of(run):
    return [l for l in run.stdout.splitlines() if " changed=" in l]


def ceph_in_lab(*args, **kw):
    return podman("exec", "-i", CONTAINER, "ceph", "--conf", os.path.join(LAB, "ceph.conf"), *args, **kw)


@pytest.fixture
def nfs_cluster_site(compute_host, tmp_path):
    """site.yml on lab-nfs and lab-manila in the NFS cluster form (converged, then re-run with
    changed=0); afterwards site.yml puts back the forms the rest of the lab's tests use."""
    args = site_args(tmp_path, compute_host) + ("--limit", NFS_HOSTS)
    first = playbook(*args, "-e", json.dumps(NFS_MODE))
    assert first.returncode == 0, first.stdout[-4000:]
    again = playbook(*args, "-e", json.dumps(NFS_MODE))
    assert again.returncode == 0 and all(" changed=0 " in l for l in recap_of(again)), recap_of(again)
    assert not KEY_RE.search(first.stdout + again.stdout)
    try:
        yield first
    finally:
        back = playbook(*args)
        assert back.returncode == 0, back.stdout[-4000:]


# What cephadm's orchestrator would report of the Ganesha it runs; the lab's mgr gets it from Ceph's
# test_orchestrator module, as the lab cannot run cephadm (no systemd): Manila reads the export
# addresses from it (ceph nfs cluster info).
def orchestrator_report(port):
    return {"inventory": [{"name": "lab-nfs", "addr": "127.0.0.1", "devices": []}],
            "services": [{"service_type": "nfs", "service_id": NFS_CLUSTER, "placement": {"hosts": ["lab-nfs"]},
                          "spec": {"port": port}, "status": {"running": 1, "size": 1}}],
            "daemons": [{"daemon_type": "nfs", "daemon_id": NFS_CLUSTER + ".0.0.lab-nfs",
                         "service_name": "nfs." + NFS_CLUSTER, "hostname": "lab-nfs", "ip": "127.0.0.1",
                         "ports": [port], "status": 1, "status_desc": "running"}]}


@pytest.fixture
def nfs_ganesha_from_rados(nfs_cluster_site):
    """Ganesha, in the client container, on the ganesha.conf nfs_ganesha_cephfs wrote for the NFS
    cluster, and the mgr's report of it."""
    conf = os.path.join(NFS_ETC, "ganesha", "ganesha.conf")
    with open(conf) as f:
        text = f.read()
    url = "rados://.nfs/%s/conf-nfs.%s" % (NFS_CLUSTER, NFS_CLUSTER)
    assert "%%url %s" % url in text and 'watch_url = "%s"' % url in text and "export.d" not in text
    keyring = os.path.join(NFS_ETC, "ceph", "ceph.client.nfs.%s.keyring" % NFS_CLUSTER)
    assert oct(os.stat(keyring).st_mode & 0o777) == "0o640" and os.stat(keyring).st_gid == 0
    ganesha_lab = ["exec", COMPUTE, "/opt/cephstack-lab/ganesha-lab"]
    ganesha_dir = os.path.join(LAB, "ganesha-nfs-cluster")
    port = NFS_HOST_VARS["nfs_ganesha_cephfs_port"]
    assert ceph_in_lab("mgr", "module", "enable", "test_orchestrator").returncode == 0
    try:
        # enabling returns before the mgr has loaded the module; until then the backend is "not found"
        wait_for(lambda: ceph_in_lab("orch", "set", "backend", "test_orchestrator").returncode == 0,
                 timeout=60, what="the orchestrator backend test_orchestrator")
        loaded = wait_for(lambda: ceph_in_lab("test_orchestrator", "load_data", "-i", "-",
                                              input=json.dumps(orchestrator_report(port))).returncode == 0,
                          timeout=60, what="the test orchestrator loaded")
        assert loaded
        started = podman(*ganesha_lab, "start", "--dir", ganesha_dir, "--conf", conf,
                         "--defaults", os.path.join(NFS_ETC, "default", "nfs-ganesha"))
        assert started.returncode == 0, started.stderr
        yield port
    finally:
        podman(*ganesha_lab, "stop", "--dir", ganesha_dir)
        ceph_in_lab("orch", "set", "backend", "")
        ceph_in_lab("mgr", "module", "disable", "test_orchestrator")


@pytest.fixture
def manila_nfs_api(nfs_ganesha_from_rados, stack, rabbitmq, mariadb):
    """The release's Manila services on the NFS cluster form of lab-manila's manila.conf."""
    with manila_in_container("manila-nfs", rabbitmq, mariadb("manila_nfs")) as api:
        yield api


def nfs_copy(url, text):
    return podman("exec", "-i", COMPUTE, "sh", "-c", 'cat >/tmp/it-manila-nfs && timeout 30 nfs-cp /tmp/it-manila-nfs "$0"',
                  url, input=text)


def test_manila_exports_an_nfs_share_through_the_mgrs_nfs_cluster(manila_nfs_api, nfs_ganesha_from_rados):
    manila, port = manila_nfs_api, nfs_ganesha_from_rados
    conf = open(host_etc("lab-manila", "manila", "manila.conf")).read()
    assert "cephfs_nfs_cluster_id = %s" % NFS_CLUSTER in conf and "ganesha_config_path" not in conf
    checked = in_stack("/usr/bin/python3", "/opt/services/validate_config.py", "manila",
                       host_etc("lab-manila", "manila", "manila.conf"))     # the release's own options
    assert checked["errors"] == [] and checked["allowed_deprecated"] == [], checked
    status, body = manila.request("POST", "/types", {"share_type": {"name": "cephfs-nfs", "extra_specs": {
        "driver_handles_share_servers": False, "share_backend_name": "cephfs"}}})
    assert status == 200, body
    status, body = manila.request("POST", "/shares", {"share": {
        "share_proto": "NFS", "size": 1, "name": "nfs-share", "share_type": "cephfs-nfs"}})
    assert status == 200, body
    share = manila.wait_share(body["share"]["id"], "available")
    status, body = manila.request("GET", "/shares/%s/export_locations" % share["id"])
    locations = [l for l in body["export_locations"] if l["preferred"]]
    assert len(locations) == 1 and locations[0]["path"].startswith("127.0.0.1:/"), body   # the mgr's report
    pseudo = locations[0]["path"].split(":", 1)[1]
    status, body = manila.request("GET", "/shares/%s/instances" % share["id"])
    info = ceph_json("fs", "subvolume", "info", "cephfs", body["share_instances"][0]["id"])

    status, body = manila.request("POST", "/shares/%s/action" % share["id"], {"allow_access": {
        "access_type": "ip", "access_to": "127.0.0.1", "access_level": "rw"}})
    assert status == 200, body
    rule_id = body["access"]["id"]
    manila.wait_rule_active(share["id"], rule_id)
    exports = ceph_json("nfs", "export", "ls", NFS_CLUSTER, "--detailed")
    export = [e for e in exports if e["pseudo"] == pseudo]
    assert len(export) == 1 and export[0]["path"] == info["path"], exports       # in RADOS, by the mgr
    assert export[0]["clients"][0]["addresses"] == ["127.0.0.1"]
    url = "nfs://127.0.0.1%s/from-manila.txt?version=4&nfsport=%d" % (pseudo, port)
    text = "written over NFS through Manila on %s\n" % RELEASE
    # Ganesha takes the new export from RADOS when the mgr notifies the configuration object
    wait_for(lambda: nfs_copy(url, text).returncode == 0, timeout=60, what="the NFS export served by Ganesha")
    read = podman("exec", "-i", CONTAINER, "/usr/bin/python3", "-c", READ_BACK, os.path.join(LAB, "ceph.conf"),
                  info["path"] + "/from-manila.txt")
    assert read.stdout == text, read.stderr

    status, body = manila.request("POST", "/shares/%s/action" % share["id"], {"deny_access": {"access_id": rule_id}})
    assert status == 202, body
    wait_for(lambda: not [e for e in ceph_json("nfs", "export", "ls", NFS_CLUSTER) or [] if e == pseudo],
             timeout=60, what="the export removed from RADOS")
    wait_for(lambda: nfs_copy(url.replace("from-manila", "after-deny"), "x\n").returncode != 0, timeout=60,
             what="Ganesha refusing the denied client")
    status, body = manila.request("DELETE", "/shares/" + share["id"])
    assert status == 202, body
    manila.wait_share(share["id"], None)

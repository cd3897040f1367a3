"""Verify the default scenario inside its instances: the services use what site.yml wrote.

Each instance is reached with testinfra's podman backend (one `podman exec` per command); the
cluster side is checked with the lab's admin keyring on the host, which shares the network.
"""
import json
import os
import subprocess
import time
import urllib.request

import pytest
import testinfra
import yaml

LAB = os.environ.get("CEPHSTACK_MOLECULE_LAB") or "/var/tmp/cephstack-molecule-lab"
GLANCE_PORT = 19392
# Compared inside the instance: neither value reaches testinfra's log or an assertion message.
SECRET_HOLDS_CINDERS_KEY = ("v=$(virsh -c qemu:///system secret-get-value %s) && test \"$v\" = "
                            "\"$(sed -n 's/^[[:space:]]*key = //p' /etc/ceph/ceph.client.cinder.keyring)\"")
SECRET_UUID = "6b0e0f5a-3c1d-4a47-9c55-5d3e0b7f2a10"
# Reads a CephFS file with libcephfs: the script shared with the integration tests
with open(os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "integration", "cephfs_read.py")) as _f:
    READ_CEPHFS_FILE = _f.read()
# The keyrings each instance must hold (and no others): name -> owning group.
KEYRINGS = {
    "cephstack-mol-admin": {"client.admin": "root"},
    "cephstack-mol-glance": {"client.glance": "glance"},
    "cephstack-mol-cinder": {"client.cinder": "cinder", "client.cinder-backup": "cinder"},
    "cephstack-mol-compute": {"client.cinder": "nova", "client.nova": "nova"},
    "cephstack-mol-manila": {"client.manila": "manila"},
    "cephstack-mol-containers": {"client.mol-containers": "root"},
    "cephstack-mol-nfs": {"client.manila": "manila"},
    "cephstack-mol-ganeti": {"client.ganeti": "root"},
}
SERVICES = os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "tests", "integration", "services")
NFS_PORT = 12049


# What check mode says it cannot preview on fresh instances: keyrings and the libvirt secret of users
# created in the same run, and cephfs_mount's steps on a file system that manila_cephfs creates then.
NOT_PREVIEWED = ("Write the keyrings of this host's services", "Set the libvirt secret qemu uses for RBD",
                 "Ensure the subvolumes", "Give each mount's user access to its subvolume only",
                 "Write each mount user's keyring (root only)",
                 "Mount each subvolume with ceph-fuse, persistently (fstab)")


def instances():
    with open(os.environ["MOLECULE_INVENTORY_FILE"]) as f:
        inventory = yaml.safe_load(f)
    return sorted(inventory["all"]["hosts"])


@pytest.fixture(scope="module")
def hosts():
    return {name: testinfra.get_host("podman://" + name) for name in instances()}


def copy_into(name, *paths):
    """Copy files into /tmp/verify of an instance (podman cp); returns that directory."""
    subprocess.run(["podman", "exec", name, "mkdir", "-p", "/tmp/verify"], check=True)
    for path in paths:
        subprocess.run(["podman", "cp", path, "%s:/tmp/verify/" % name], check=True)
    return "/tmp/verify"


def run_json(host, command):
    res = host.run(command)
    assert res.rc == 0, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def admin(*args):
    res = subprocess.run(list(args[:1]) + ["--conf", os.path.join(LAB, "ceph.conf")] + list(args[1:]),
                         capture_output=True, text=True, timeout=60, check=False)
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_check_step_predicted_what_converge_changed():
    """The check step (site.yml --check on the fresh instances; side_effect.yml already proved it
    changed nothing) predicted the changed tasks of the converge after it, host by host, except those
    it says it cannot preview. Runs are recorded by molecule/shared/callback_plugins/changed_tasks.py."""
    path = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "changed_tasks.jsonl")
    runs = []
    if os.path.exists(path):
        with open(path) as f:
            runs = [json.loads(line) for line in f if line.strip()]
    checks = [i for i, run in enumerate(runs) if run["check"] and run["playbook"] == "converge.yml"]
    if not checks:
        if os.environ.get("CEPHSTACK_REQUIRE_CHECK_STEP"):
            pytest.fail("no check step was recorded in %s" % path)
        pytest.skip("no check step in this run (molecule test or molecule check runs one)")
    after = [run for run in runs[checks[-1] + 1:] if not run["check"] and run["playbook"] == "converge.yml"]
    assert after, "no converge after the check step"
    predicted = set(map(tuple, runs[checks[-1]]["changed"]))
    done = set(map(tuple, after[0]["changed"]))
    assert predicted, "check mode predicted no change on fresh instances"
    assert predicted <= done, sorted(predicted - done)
    assert {task for task, host in done - predicted} <= set(NOT_PREVIEWED), sorted(done - predicted)


def test_every_group_has_an_instance():
    assert instances() == sorted(KEYRINGS)


@pytest.mark.parametrize("name", sorted(KEYRINGS))
def test_each_instance_holds_only_the_keyrings_it_needs_readable_by_its_service(hosts, name):
    host = hosts[name]
    found = host.run("ls /etc/ceph").stdout.split()
    keyrings = sorted(f for f in found if f.endswith(".keyring"))
    assert keyrings == sorted("ceph.%s.keyring" % entity for entity in KEYRINGS[name])
    for entity, group in KEYRINGS[name].items():
        f = host.file("/etc/ceph/ceph.%s.keyring" % entity)
        assert f.user == "root" and f.group == group
        assert f.mode == (0o600 if group == "root" else 0o640)


def test_cinder_keyring_writes_its_pools_and_nothing_else(hosts):
    cinder = hosts["cephstack-mol-cinder"]
    ok = cinder.run("rbd --id cinder create --size 4M volumes/molecule-probe")
    assert ok.rc == 0, ok.stderr
    try:
        refused = cinder.run("rbd --id cinder create --size 4M backups/molecule-probe")
        assert refused.rc != 0 and "not permitted" in refused.stderr, refused.stderr
        backup = cinder.run("rbd --id cinder-backup create --size 4M backups/molecule-probe")
        assert backup.rc == 0, backup.stderr
        assert cinder.run("rbd --id cinder-backup rm backups/molecule-probe").rc == 0
    finally:
        assert cinder.run("rbd --id cinder rm volumes/molecule-probe").rc == 0


def test_compute_secret_holds_client_cinders_key_and_qemu_opens_an_rbd_disk(hosts):
    compute = hosts["cephstack-mol-compute"]
    same = compute.run(SECRET_HOLDS_CINDERS_KEY % SECRET_UUID)
    assert same.rc == 0, "secret %s is missing or does not hold client.cinder's key: %s" % (SECRET_UUID, same.stderr)
    admin("rbd", "create", "--size", "64M", "vms/molecule-disk")
    try:
        mon = json.loads(admin("ceph", "mon", "dump", "--format", "json"))["mons"][0]["public_addrs"]["addrvec"]
        v1 = [a["addr"] for a in mon if a["type"] == "v1"][0]
        host, port = v1.rsplit(":", 1)
        xml = """<domain type='qemu'><name>molecule-rbd</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64'>hvm</type></os><devices>
<disk type='network' device='disk'><driver name='qemu' type='raw' cache='writeback'/>
<source protocol='rbd' name='vms/molecule-disk'><host name='%s' port='%s'/></source>
<auth username='cinder'><secret type='ceph' uuid='%s'/></auth><target dev='vda' bus='virtio'/></disk>
</devices></domain>""" % (host, port, SECRET_UUID)
        compute.run("cat > /tmp/molecule-rbd.xml <<'XML'\n%s\nXML" % xml)
        started = compute.run("virsh -c qemu:///system create /tmp/molecule-rbd.xml")
        assert started.rc == 0, started.stderr
        try:
            status = json.loads(admin("rbd", "status", "vms/molecule-disk", "--format", "json"))
            assert status["watchers"], status
        finally:
            compute.run("virsh -c qemu:///system destroy molecule-rbd")
    finally:
        admin("rbd", "rm", "vms/molecule-disk")


def glance_request(method, path, body=None, ctype="application/json"):
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (GLANCE_PORT, path), data=data, method=method,
                                 headers={"Content-Type": ctype})
    with urllib.request.urlopen(req, timeout=60) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else None


def test_glance_api_as_the_glance_user_stores_an_image_in_rbd(hosts):
    """glance-api runs as user glance on the role's glance-api.conf (plus the listener and database
    options that are not the role's), so it reads only its own keyring."""
    glance = hosts["cephstack-mol-glance"]
    extra = ("[DEFAULT]\nbind_host = 127.0.0.1\nbind_port = %d\nworkers = 1\n"
             "[database]\nconnection = sqlite:////var/lib/glance/molecule.sqlite\n"
             "[paste_deploy]\nconfig_file = /etc/glance/glance-api-paste.ini\n" % GLANCE_PORT)
    assert glance.run("cat > /etc/glance/molecule.conf <<'EOF'\n%sEOF" % extra).rc == 0
    confs = "--config-file /etc/glance/glance-api.conf --config-file /etc/glance/molecule.conf"
    sync = glance.run("runuser -u glance -- glance-manage %s db_sync" % confs)
    assert sync.rc == 0, sync.stderr[-2000:]
    subprocess.run(["podman", "exec", "-d", "cephstack-mol-glance", "runuser", "-u", "glance", "--", "sh", "-c",
                    "echo $$ >/var/lib/glance/molecule-api.pid; exec glance-api %s >/var/lib/glance/molecule-api.log 2>&1"
                    % confs], check=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/healthcheck" % GLANCE_PORT, timeout=5).read()
            break
        except OSError:
            assert time.monotonic() < deadline, glance.run("tail -30 /var/lib/glance/molecule-api.log").stdout
            time.sleep(0.5)
    try:
        image = glance_request("POST", "/v2/images", {"name": "molecule", "disk_format": "raw",
                                                      "container_format": "bare"})
        data = os.urandom(4 * 1024 * 1024)
        glance_request("PUT", "/v2/images/%s/file" % image["id"], data, "application/octet-stream")
        shown = glance_request("GET", "/v2/images/" + image["id"])
        assert shown["status"] == "active", shown
        snaps = json.loads(admin("rbd", "snap", "ls", "images/" + image["id"], "--format", "json"))
        assert [s["name"] for s in snaps] == ["snap"]
        info = json.loads(admin("rbd", "info", "images/%s@snap" % image["id"], "--format", "json"))
        assert info["protected"] == "true"
        glance_request("DELETE", "/v2/images/" + image["id"])
    finally:
        glance.run("kill $(cat /var/lib/glance/molecule-api.pid)")


def test_manila_share_host_manages_subvolumes_as_client_manila(hosts):
    """What Manila's CephFS driver asks of the mgr (create, getpath, resize, remove a subvolume),
    with the instance's own manila.conf backend, ceph.conf and client.manila keyring."""
    manila = hosts["cephstack-mol-manila"]
    conf = manila.file("/etc/manila/manila.conf").content_string
    assert "share_driver = manila.share.drivers.cephfs.driver.CephFSDriver" in conf
    assert "cephfs_auth_id = manila" in conf and "cephfs_filesystem_name = cephfs" in conf
    mgr = "ceph --id manila --connect-timeout 20 fs subvolume"
    created = manila.run("%s create cephfs molecule-share --size 10485760 --namespace-isolated" % mgr)
    assert created.rc == 0, created.stderr
    try:
        path = manila.run("%s getpath cephfs molecule-share" % mgr)
        assert path.rc == 0 and path.stdout.strip().startswith("/volumes/_nogroup/molecule-share/"), path.stderr
        assert manila.run("%s resize cephfs molecule-share 20971520" % mgr).rc == 0
        info = json.loads(manila.run("%s info cephfs molecule-share --format json" % mgr).stdout)
        assert info["bytes_quota"] == 20971520
        # Its caps stop at the mgr and the mon: it cannot read or write data in the pools.
        refused = manila.run("rados --id manila -p cephfs.cephfs.data ls")
        assert refused.rc != 0, refused.stdout
    finally:
        assert manila.run("%s rm cephfs molecule-share" % mgr).rc == 0


def test_container_host_mounts_its_subvolume_and_sees_nothing_else(hosts):
    """ceph-fuse, started by the role, serves the subvolume at /srv/data; the mount's user is held
    to that subvolume's path."""
    host = hosts["cephstack-mol-containers"]
    assert host.mount_point("/srv/data").exists
    assert host.mount_point("/srv/data").filesystem == "fuse.ceph-fuse"
    name = "molecule-%d" % os.getpid()
    assert host.run("echo through-cephfs > /srv/data/%s && sync" % name).rc == 0
    try:
        root = admin("ceph", "fs", "subvolume", "getpath", "cephfs", "mol-containers").strip()
        # Read back through libcephfs on the host, as client.admin: the bytes are in the subvolume.
        read = subprocess.run(["/usr/bin/python3", "-c", READ_CEPHFS_FILE, os.path.join(LAB, "ceph.conf"),
                               "%s/%s" % (root, name)], capture_output=True, text=True, timeout=60, check=False)
        assert read.returncode == 0 and read.stdout == "through-cephfs\n", read.stderr
        # The same user cannot mount the file system's root.
        outside = host.run("mkdir -p /mnt/outside && timeout 30 ceph-fuse --id mol-containers -r / /mnt/outside "
                           "&& ls /mnt/outside; rc=$?; umount /mnt/outside 2>/dev/null; exit $rc")
        assert outside.rc != 0, "client.mol-containers mounted / (its subvolume is %s)" % root
    finally:
        host.run("rm -f /srv/data/%s" % name)


def test_ganeti_master_enabled_rbd_and_ganetis_own_rbd_device_uses_the_role_user(hosts):
    """gnt-cluster shows rbd enabled, allowed and set to the pool; Ganeti's own RADOSBlockDevice,
    with the CEPH_ARGS the role gave the daemons (/etc/default/ganeti), creates, grows and removes
    an image in that pool, and the same user is refused another pool."""
    ganeti = hosts["cephstack-mol-ganeti"]
    info = yaml.safe_load(ganeti.check_output("gnt-cluster info"))
    assert "rbd" in info["Cluster parameters"]["enabled disk templates"].split(", ")
    assert "rbd" in info["Instance policy - limits for instances"]["allowed disk templates"].split(", ")
    assert info["Default disk parameters"]["rbd"] == {"pool": "ganeti", "access": "userspace"}
    where = copy_into("cephstack-mol-ganeti", os.path.join(SERVICES, "ganeti_rbd_device.py"))
    device = ". /etc/default/ganeti && /usr/bin/python3 %s/ganeti_rbd_device.py %%s molecule-disk %%s" % where
    assert ganeti.file("/etc/default/ganeti").contains("CEPH_ARGS=\"--id ganeti ")
    assert run_json(ganeti, device % ("ganeti", "create")) == {"created": True}
    try:
        image = json.loads(admin("rbd", "info", "ganeti/molecule-disk", "--format", "json"))
        assert image["size"] == 64 * 1024 * 1024
    finally:
        admin("rbd", "rm", "ganeti/molecule-disk")
    assert run_json(ganeti, device % ("ganeti", "grow-remove")) == {"created": True, "grown": True, "removed": True}
    refused = run_json(ganeti, device % ("volumes", "create"))
    assert "Operation not permitted" in refused.get("error", ""), refused


def test_manila_exports_a_share_over_nfs_through_the_ganesha_beside_it(hosts):
    """Ganesha starts as its service would (the role's ganesha.conf and /etc/default/nfs-ganesha, on
    the system D-Bus); Manila's CephFS driver with the NFS helper, from the instance's manila.conf,
    exports a share there; libnfs writes over NFS, and the bytes are read back through libcephfs on
    the host. After deny the export refuses the client; delete removes the export."""
    nfs = hosts["cephstack-mol-nfs"]
    assert nfs.file("/etc/manila/manila.conf").contains("^cephfs_protocol_helper_type = NFS")
    started = nfs.run("mkdir -p /run/dbus /var/log/ganesha && (test -e /run/dbus/pid || dbus-daemon --system --fork)"
                      " && set -a && . /etc/default/nfs-ganesha && set +a && ganesha.nfsd $OPTIONS -p /run/ganesha.pid")
    assert started.rc == 0, started.stderr
    try:
        show = ("dbus-send --print-reply --reply-timeout=2000 --system --dest=org.ganesha.nfsd "
                "/org/ganesha/nfsd/ExportMgr org.ganesha.nfsd.exportmgr.ShowExports")
        deadline = time.monotonic() + 60
        while nfs.run(show).rc != 0:
            assert time.monotonic() < deadline, nfs.run("tail -20 /var/log/ganesha/ganesha.log").stdout
            time.sleep(0.5)
        where = copy_into("cephstack-mol-nfs", os.path.join(SERVICES, "manila_cephfs.py"),
                          os.path.join(SERVICES, "manila_cephfs_nfs.py"),
                          os.path.join(os.path.dirname(__file__), "manila_nfs_share.py"))
        share = "cd %s && /usr/bin/python3 manila_nfs_share.py " % where
        created = run_json(nfs, share + "create %d" % NFS_PORT)
        assert created["export"].startswith("127.0.0.1:/volumes/_nogroup/"), created
        assert created["nfs_write"] is True, created["nfs_output"]
        path = created["export"].split(":", 1)[1] + "/over-nfs.txt"
        read = subprocess.run(["/usr/bin/python3", "-c", READ_CEPHFS_FILE, os.path.join(LAB, "ceph.conf"), path],
                              capture_output=True, text=True, timeout=60, check=False)
        assert read.returncode == 0 and read.stdout == "written over NFS\n", read.stderr
        deleted = run_json(nfs, share + "delete '%s' %d" % (json.dumps(created), NFS_PORT))
        assert deleted == {"nfs_after_deny": False, "index": ""}, deleted
        assert created["share"]["id"] not in admin("ceph", "fs", "subvolume", "ls", "cephfs")
    finally:
        nfs.run("kill $(cat /run/ganesha.pid)")

"""site.yml on a lab of another Ceph release (CEPHSTACK_TEST_RELEASE=reef|tentacle): the admin
host and the Glance, Cinder and Cinder backup hosts are the release lab's container, so the modules
run on that release's Python, librados and ceph CLI (on Tentacle, whose monitors mint aes256k keys,
with those keys). The compute host is a container of its own: that release's image with libvirtd
and qemu (scripts/ceph-release-image.sh RELEASE --compute).

First the run is killed with SIGKILL at three points (pools, users, keyrings). After each kill no
keyring is truncated and no temp file holds a key, here or in the containers. Then a run converges,
every keyring holds a key of the type that release mints, and the next run changes nothing. qemu on
the compute host then opens an RBD disk through the libvirt secret that nova_compute set, whose
value is client.cinder's key, NFS-Ganesha, on the ganesha.conf that nfs_ganesha_cephfs wrote,
serves a subvolume through an export with a user of its own, and Ganeti 3.1, on the cluster that
ganeti_rbd set up, makes RBD disks as the role's user.

Each Ceph release runs beside the OpenStack release of its time: Reef with 2025.1, Tentacle with
2026.2 (cephstack_openstack_release). The configs that the roles write for it pass that release's
own options, read in an image with its Glance, Cinder, Nova and Manila packages (scripts/
ceph-release-image.sh RELEASE --openstack), where openstack_release_info finds that release.
"""
import io
import json
import os
import subprocess
import tarfile
import time

import pytest
import yaml

from tests.integration.conftest import (
    COMPUTE, COMPUTE_GANETI, COMPUTE_LIBVIRT, COMPUTE_URI, CONTAINER, KEY_RE, LAB, PYTHON, RELEASE, TOP, V1_PORT,
    MINTED_TYPE, ceph_json, playbook, podman)
from tests.integration.test_services import domain_xml
from tests.integration.test_whole_run import SECRET_UUID, files_holding, intact, run_and_kill

# Hosts in the release lab's container, Manila's share host among them
CEPH_SIDE = ["lab-admin", "lab-glance", "lab-cinder", "lab-backup", "lab-manila"]
# Hosts in the client container: the compute host, a ceph-fuse client, the NFS-Ganesha host, and
# the Ganeti node, in namespaces of its own there (lab/ganeti-lab)
CLIENT_SIDE = ["lab-compute", "lab-containers", "lab-nfs", "lab-ganeti"]
HOSTS = ",".join(CEPH_SIDE + CLIENT_SIDE)
GANETI_ETC = os.path.join(LAB, "hosts", "lab-ganeti", "etc")
# Ganesha in the client container: a port of each release's own, as the Pacific lab's Ganesha (2049)
# and the other release's share the host network; and the container has no CAP_SYS_RESOURCE, which
# Ganesha 9 asks for at start.
NFS_HOST_VARS = {"nfs_ganesha_cephfs_port": {"reef": 12041, "tentacle": 12043}.get(RELEASE),
                 "nfs_ganesha_cephfs_allow_io_flusher_failure": True}
NFS_ETC = os.path.join(LAB, "hosts", "lab-nfs", "etc")
OPENSTACK = {"reef": "2025.1", "tentacle": "2026.2"}.get(RELEASE)
# From 2025.2 on, Nova's direct snapshots take Glance's location API (the lab's Zed needs the option)
OPENSTACK_HOST_VARS = {"cephstack_openstack_release": OPENSTACK,
                       "glance_show_multiple_locations": OPENSTACK in ("2025.1",)}
if OPENSTACK == "2026.2":   # cinder reads locations through Glance's location API as this user
    OPENSTACK_HOST_VARS.update(cinder_glance_service_user={"auth_url": "http://127.0.0.1:5000/v3", "username": "cinder",
                                                           "password": "lab-service-password"},
                               cinder_config_group="root")
KILL_POINTS = ["ceph_pools : Ensure the Ceph pools", "ceph_clients : Ensure the cephx users",
               "ceph_clients : Write the keyrings of this host's services"]

pytestmark = [pytest.mark.release,
              pytest.mark.skipif(CONTAINER is None, reason="site.yml on the test lab is test_whole_run's")]


def site_args(tmp_path, pythons):
    """site.yml on HOSTS: the Ceph side in the release lab's container, the client side in its own."""
    hosts = dict((h, dict(OPENSTACK_HOST_VARS, ansible_python_interpreter=PYTHON)) for h in CEPH_SIDE)
    # modules run in the compute container: the files that copy and template send must land where
    # it sees them, so the remote temp dir lives in the lab dir, mounted at the same path
    hosts.update((h, dict(OPENSTACK_HOST_VARS, ansible_python_interpreter=pythons["compute-python"],
                          ansible_remote_tmp=os.path.join(LAB, "ansible-tmp"))) for h in CLIENT_SIDE)
    hosts["lab-nfs"].update(NFS_HOST_VARS)
    hosts["lab-ganeti"]["ansible_python_interpreter"] = pythons["ganeti-python"]
    where = tmp_path / "release-hosts.json"
    where.write_text(json.dumps({"all": {"hosts": hosts}}))
    return ("-i", "playbooks/inventory/lab.yml", "-i", str(where), "playbooks/site.yml",
            "-e", "cephstack_lab_dir=" + LAB, "-e", "cephstack_libvirt_lab_dir=" + COMPUTE_LIBVIRT,
            "--limit", HOSTS)


def containers():
    return [CONTAINER, COMPUTE]


def modules_running_in_the_containers():
    """Module processes still running in the containers after their controller was killed (the
    connection helper, detached, has the container's init as parent and is not one)."""
    found = []
    for container in containers():
        res = podman("exec", container, "ps", "-eo", "pid=,ppid=,comm=")
        found += [l for l in res.stdout.splitlines() if l.split()[2:] == ["python3"] and l.split()[1] != "1"]
    return found


def container_files_holding(keys):
    """Files under the containers' temp directories that contain one of the keys (read through
    tar on stdout: the keys never go on an argv)."""
    found = []
    for container in containers():
        res = subprocess.run(["podman", "exec", container, "tar", "-cf", "-", "--ignore-failed-read", "-C", "/",
                              "tmp", "root/.ansible"], capture_output=True, check=False)
        with tarfile.open(fileobj=io.BytesIO(res.stdout)) as tar:
            for member in tar:
                if member.isfile():
                    data = tar.extractfile(member).read()
                    found += [container + ":" + member.name for k in keys if k.encode() in data][:1]
    return found


def test_killed_runs_then_a_converged_run_with_the_releases_keys(compute_host, tmp_path):
    args = site_args(tmp_path, compute_host)
    for marker in KILL_POINTS:
        assert run_and_kill(args, marker), "the run never reached %r" % marker
        for dummy in range(150):     # a module already started in a container runs to its end
            if not modules_running_in_the_containers():
                break
            time.sleep(0.2)
        keys = [e["key"] for e in ceph_json("auth", "ls")["auth_dump"]]
        assert intact(LAB, keys) == [], marker
        assert container_files_holding(keys) == [], marker
    first = playbook(*args)
    assert first.returncode == 0, first.stdout[-4000:]
    again = playbook(*args)
    assert again.returncode == 0, again.stdout[-4000:]
    recap = [l for l in again.stdout.splitlines() if " changed=" in l]
    assert len(recap) == len(HOSTS.split(",")) and all(" changed=0 " in l for l in recap), recap
    users = dict((e["entity"], e["key"]) for e in ceph_json("auth", "ls")["auth_dump"])
    keyrings = []
    for host in HOSTS.split(","):
        etc = os.path.join(LAB, "hosts", host, "etc", "ceph")
        for name in sorted(os.listdir(etc)) if os.path.isdir(etc) else []:
            if name.endswith(".keyring"):
                with open(os.path.join(etc, name)) as f:
                    text = f.read()
                entity = name[len("ceph."):-len(".keyring")]
                assert text == "[%s]\n\tkey = %s\n" % (entity, users[entity]), name
                keyrings.append(users[entity][:2])
    # glance, cinder x2, backup, manila, cinder and nova on the compute host, the ceph-fuse
    # client's and the Ganeti node's
    assert len(keyrings) == 9 and set(keyrings) == {MINTED_TYPE}, keyrings
    keys = list(users.values())
    assert files_holding(keys) == [] and container_files_holding(keys) == []
    for text in (first.stdout, again.stdout):
        assert not KEY_RE.search(text) and "lab-service-password" not in text
    assert_qemu_opens_an_rbd_disk_through_the_secret(users["client.cinder"])
    assert_the_ceph_fuse_mount_serves_files()
    assert_ganesha_serves_a_subvolume_to_an_nfs_client()
    assert_ganeti_makes_rbd_disks_with_the_roles_user(users["client.ganeti"])


# The configs site.yml wrote for the release's services: (service, host, path under the host's /etc)
CONFIGS = [("glance", "lab-glance", "glance/glance-api.conf"), ("cinder", "lab-cinder", "cinder/cinder.conf"),
           ("cinder", "lab-backup", "cinder/cinder.conf")] + \
    [("nova", "lab-compute", "nova/nova.conf"), ("manila", "lab-manila", "manila/manila.conf")]
FIND_RELEASES = """
- hosts: all
  gather_facts: false
  tasks:
    - cephstack.cloud.openstack_release_info:
        service: "{{ item }}"
      loop: [glance, cinder, nova, manila]
      register: found
    - ansible.builtin.debug:
        msg: "found {{ found.results | map(attribute='release') | join(' ') }}"
"""


def test_the_configs_pass_the_openstack_releases_own_options(tmp_path):
    """In the image of the paired OpenStack release, openstack_release_info reads that release from
    the installed packages, and every config that site.yml wrote for it (in the test above) passes
    the release's option names and values, with no deprecated option but those the roles need."""
    image = subprocess.run([os.path.join(TOP, "scripts", "ceph-release-image.sh"), RELEASE, "--openstack"],
                           capture_output=True, text=True, check=True).stdout.strip()
    name = (CONTAINER or "") + "-openstack"
    podman("rm", "-f", name)
    services = os.path.join(TOP, "tests", "integration", "services")
    started = podman("run", "-d", "--name", name, "--init", "--network", "none", "--runtime", "runc",
                     "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096", "-v", "%s:%s:ro" % (LAB, LAB),
                     "-v", services + ":/opt/services:ro", image, "sleep", "infinity")
    assert started.returncode == 0, started.stderr
    try:
        play = tmp_path / "find-releases.yml"
        play.write_text(FIND_RELEASES)
        found = playbook("-i", name + ",", "-c", "containers.podman.podman", "-e",
                         "ansible_python_interpreter=/usr/bin/python3", str(play))
        assert found.returncode == 0, found.stdout[-3000:]
        assert "found " + " ".join([OPENSTACK] * 4) in found.stdout, found.stdout[-2000:]
        checked = {}
        for service, host, path in CONFIGS:
            conf = os.path.join(LAB, "hosts", host, "etc", path)
            res = podman("exec", name, "/usr/bin/python3", "/opt/services/validate_config.py", service, conf)
            assert res.returncode == 0, res.stderr[-3000:]
            result = json.loads(res.stdout.strip().splitlines()[-1])
            # 2025.1's Nova still registers direct snapshots through Glance's old option
            needed = ["[DEFAULT] show_multiple_locations"] if service == "glance" and OPENSTACK == "2025.1" else []
            assert result["errors"] == [], (host, result)
            assert [a.split(":")[0] for a in result["allowed_deprecated"]] == needed, (host, result)
            checked[host] = result["checked"]
        assert all(n >= 8 for n in checked.values()), checked
    finally:
        podman("rm", "-f", "-t", "2", name)
    glance = open(os.path.join(LAB, "hosts", "lab-glance", "etc", "glance", "glance-api.conf")).read()
    # 2026.2: Nova takes locations through the location API; glance_store's timeout left at librados'
    assert ("show_multiple_locations" in glance) == (OPENSTACK == "2025.1")
    assert "rados_connect_timeout" not in glance
    cinder = os.path.join(LAB, "hosts", "lab-cinder", "etc", "cinder", "cinder.conf")
    assert ("\n[glance]\nauth_type = password\n" in open(cinder).read()) == (OPENSTACK == "2026.2")
    if OPENSTACK == "2026.2":
        assert os.stat(cinder).st_mode & 0o777 == 0o640


with open(os.path.join(TOP, "tests", "integration", "cephfs_read.py")) as _f:
    READ_BACK = _f.read()


with open(os.path.join(TOP, "tests", "integration", "services", "ganeti_rbd_device.py")) as _f:
    GANETI_RBD_DEVICE = _f.read()


def assert_ganeti_makes_rbd_disks_with_the_roles_user(key):
    """After site.yml, the Ganeti node's cluster has rbd enabled with the lab's pool and access, and
    Ganeti's own RADOSBlockDevice, with the CEPH_ARGS of the role's defaults file and that release's
    rbd CLI, creates, grows and removes an image as client.ganeti, whose key is of the release's type."""
    gnt = ["exec", COMPUTE, "/opt/cephstack-lab/ganeti-lab", "exec", "--dir", COMPUTE_GANETI, "--"]
    info = podman(*gnt, "gnt-cluster", "info")
    assert info.returncode == 0, info.stderr
    cluster = yaml.safe_load(info.stdout)
    assert "rbd" in cluster["Cluster parameters"]["enabled disk templates"].split(", ")
    assert cluster["Default disk parameters"]["rbd"] == {"pool": "ganeti", "access": "userspace"}
    assert key.startswith(MINTED_TYPE)
    defaults = os.path.join(GANETI_ETC, "default", "ganeti")
    done = podman("exec", "-i", COMPUTE, "bash", "-c", '. "$0" && export CEPH_ARGS && exec /usr/bin/python3 - "$@"',
                  defaults, "ganeti", "it-release-disk", "grow-remove", input=GANETI_RBD_DEVICE)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"created": True, "grown": True, "removed": True}


def assert_ganesha_serves_a_subvolume_to_an_nfs_client():
    """Ganesha, started on nfs_ganesha_cephfs's ganesha.conf and environment file in the client
    container, with one export written as Manila's helper writes it: a subvolume and a cephx user
    of its own, whose key is of the type the release mints (in the export file only, never on an
    argv). A file copied in over NFSv4 (libnfs) is in the subvolume, read back with the admin's
    libcephfs."""
    ceph = ["exec", CONTAINER, "ceph", "--conf", os.path.join(LAB, "ceph.conf")]
    name = user = "it-release-nfs"
    export = os.path.join(NFS_ETC, "ganesha", "export.d", "it-release-nfs.conf")
    index = os.path.join(NFS_ETC, "ganesha", "export.d", "INDEX.conf")
    ganesha_lab = ["exec", COMPUTE, "/opt/cephstack-lab/ganesha-lab"]
    ganesha_dir = os.path.join(LAB, "ganesha-lab")
    with open(index) as f:
        index_before = f.read()
    try:
        assert podman(*ceph, "fs", "subvolume", "create", "cephfs", name, "--size", "67108864").returncode == 0
        path = podman(*ceph, "fs", "subvolume", "getpath", "cephfs", name).stdout.strip()
        authorized = podman(*ceph, "fs", "subvolume", "authorize", "cephfs", name, user, "--access_level", "rw")
        assert authorized.returncode == 0, authorized.stderr
        key = podman(*ceph, "auth", "get-key", "client." + user).stdout.strip()
        assert key.startswith(MINTED_TYPE)
        fd = os.open(export, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write('EXPORT {\n  Export_Id = 100;\n  Path = "%s";\n  Pseudo = "%s";\n  Access_Type = RW;\n'
                    '  Squash = None;\n  Protocols = 4;\n  Transports = TCP;\n'
                    '  FSAL {\n    Name = CEPH;\n    User_Id = "%s";\n    Secret_Access_Key = "%s";\n  }\n}\n'
                    % (path, path, user, key))
        with open(index, "w") as f:
            f.write('%%include "%s"\n' % export)
        started = podman(*ganesha_lab, "start", "--dir", ganesha_dir, "--conf", os.path.join(NFS_ETC, "ganesha", "ganesha.conf"),
                         "--defaults", os.path.join(NFS_ETC, "default", "nfs-ganesha"))
        assert started.returncode == 0, started.stderr
        url = "nfs://127.0.0.1%s/it-file?version=4&nfsport=%d" % (path, NFS_HOST_VARS["nfs_ganesha_cephfs_port"])
        text = "written over NFS on %s\n" % RELEASE
        copied = podman("exec", "-i", COMPUTE, "sh", "-c", 'cat >/tmp/it-nfs-file && nfs-cp /tmp/it-nfs-file "$0"',
                        url, input=text)
        assert copied.returncode == 0, copied.stdout + copied.stderr
        read = podman("exec", "-i", CONTAINER, "/usr/bin/python3", "-c", READ_BACK, os.path.join(LAB, "ceph.conf"),
                      path + "/it-file")
        assert read.stdout == text, read.stderr
    finally:
        podman(*ganesha_lab, "stop", "--dir", ganesha_dir)
        with open(index, "w") as f:
            f.write(index_before)
        if os.path.exists(export):
            os.unlink(export)
        podman(*ceph, "fs", "subvolume", "deauthorize", "cephfs", name, user)
        podman(*ceph, "auth", "rm", "client." + user)
        podman(*ceph, "fs", "subvolume", "rm", "cephfs", name)


def assert_the_ceph_fuse_mount_serves_files():
    """cephfs_mount's ceph-fuse mount, in the client container: a file written there is in the
    subvolume (read back through a second path: the mount's own directory listing)."""
    path = os.path.join(LAB, "hosts", "lab-containers", "srv", "data")
    assert podman("exec", COMPUTE, "mountpoint", "-q", path).returncode == 0
    wrote = podman("exec", COMPUTE, "sh", "-c", "echo %s > %s/it-file && sync && cat %s/it-file" % (RELEASE, path, path))
    assert wrote.stdout == RELEASE + "\n", wrote.stderr
    mounts = podman("exec", COMPUTE, "grep", " %s " % path, "/proc/mounts").stdout
    assert "fuse.ceph-fuse" in mounts, mounts


def assert_qemu_opens_an_rbd_disk_through_the_secret(key):
    """On the compute host: the secret holds client.cinder's key, and qemu, with that release's
    librbd, opens a disk in pool vms through it (an RBD watcher appears)."""
    virsh = ["exec", "-i", COMPUTE, "virsh", "-q", "-c", COMPUTE_URI]
    assert podman(*virsh, "secret-get-value", SECRET_UUID).stdout.strip() == key
    rbd = ["exec", CONTAINER, "rbd", "--conf", os.path.join(LAB, "ceph.conf")]
    image = "it-release-disk"
    assert podman(*rbd, "create", "vms/" + image, "--size", "64M").returncode == 0
    xml = domain_xml(image, [dict(uuid=SECRET_UUID, image=image, port=V1_PORT, user="cinder", pool="vms",
                                  conf=os.path.join(LAB, "hosts", "lab-compute", "etc", "ceph", "ceph.conf"))])
    try:
        res = podman(*virsh, "create", "/dev/stdin", input=xml, timeout=120)
        assert res.returncode == 0, res.stderr
        watchers = json.loads(podman(*rbd, "status", "vms/" + image, "--format", "json").stdout)["watchers"]
        assert len(watchers) == 1
    finally:
        podman(*virsh, "destroy", image)
        podman(*rbd, "rm", "vms/" + image)

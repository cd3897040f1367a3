"""Manila on CephFS, from the manila.conf the manila_cephfs role wrote.

(a) Manila's real CephFSDriver: a 1 GiB share, cephx access for alice, a libcephfs mount as alice
    that writes inside the share and is refused outside it, extend and shrink, a snapshot, deny,
    delete;
(b) the Manila services (api, scheduler, share) on the generated manila.conf, with MariaDB (utf8),
    RabbitMQ and noauth: a share created through the API becomes available as a subvolume with its
    quota, cephx access through the API gives a key that mounts and writes, deny and delete work;
(c) NFS: the role's ganesha.conf runs in the lab's Ganesha; Manila's NFS helper, from the role's
    NFS form of manila.conf, exports a share through it over D-Bus; a userspace NFS client
    (libnfs) writes a file that libcephfs then reads inside the subvolume; after deny the export
    refuses that client;
(e) the generated manila.conf, CEPHFS, standalone NFS and NFS cluster forms, passes a
    name-and-value check against Manila's own options, deprecated names included; planted errors
    are caught;
bad input to the role fails before any file is touched.
"""
import json
import os
import subprocess

import pytest

from tests.integration.conftest import LAB, SITE_ARGS, TOP, playbook
from tests.integration.manila_helpers import assert_a_share_serves_only_its_client, manila_services, service_options
from tests.integration.service_helpers import SERVICE_PY, SERVICES, add_options, service_script

MANILA_CONF = os.path.join(LAB, "hosts", "lab-manila", "etc", "manila", "manila.conf")


def test_a_cephfs_driver_serves_a_share_only_to_its_client(site):
    out = service_script("manila_cephfs.py", MANILA_CONF, "cephfs", os.path.join(LAB, "ceph.conf"))
    assert out["backend_name"] == "cephfs"
    assert out["quota"] == 1 << 30 and out["path"] == out["subvolume_path"]
    assert out["export"].startswith("127.0.0.1:") and out["namespace"].startswith("fsvolumens_")
    assert out["key_is_alices"] and out["alice_mounts_share"] and out["alice_writes_inside"] == "ok"
    assert out["alice_mounts_outside"] in ("EPERM", "EACCES")        # path-restricted caps
    assert "alice_writes_outside" not in out
    assert out["admin_reads"] == len(b"written by alice\n")
    assert out["quota_extended"] == 2 << 30 and out["quota_shrunk"] == 1 << 30
    assert out["snapshots"] == [out["snapshot_name"]]
    assert out["alice_after_deny"] in ("EPERM", "EACCES", "ENOENT")
    assert out["deleted"]


def role_config(tmp_path, **role_vars):
    """The role's manila.conf with other variables, written to a file of the test's own."""
    conf = tmp_path / "manila.conf"
    play = tmp_path / "manila.yml"
    play.write_text(json.dumps([dict(hosts="lab-manila", gather_facts=False, module_defaults={
        "group/cephstack.cloud.ceph": {"conf": os.path.join(LAB, "ceph.conf")}},
        roles=[dict(role="cephstack.cloud.manila_cephfs", vars=dict(role_vars, manila_cephfs_config_file=str(conf)))])]))
    return conf, playbook("-i", "playbooks/inventory/lab.yml", str(play), "-e", "cephstack_lab_dir=" + LAB)


def test_e_generated_manila_conf_passes_name_and_value_validation(site, tmp_path):
    good = service_script("validate_config.py", "manila", MANILA_CONF)
    assert good["errors"] == [] and good["checked"] >= 11, good
    nfs, res = role_config(tmp_path, manila_cephfs_protocol="NFS", manila_cephfs_ganesha_server_ip="192.0.2.20")
    assert res.returncode == 0, res.stdout[-3000:]
    text = nfs.read_text()
    assert "cephfs_protocol_helper_type = NFS" in text and "cephfs_ganesha_server_ip = 192.0.2.20" in text
    assert "enabled_share_protocols = NFS" in text
    assert service_script("validate_config.py", "manila", str(nfs))["errors"] == []
    cluster, res = role_config(tmp_path, manila_cephfs_protocol="NFS", manila_cephfs_nfs_cluster_id="cephnfs")
    assert res.returncode == 0, res.stdout[-3000:]
    text = cluster.read_text()          # the same file: the standalone options go, the cluster's come
    assert "cephfs_nfs_cluster_id = cephnfs" in text and "ganesha" not in text
    assert service_script("validate_config.py", "manila", str(cluster))["errors"] == []
    back, res = role_config(tmp_path, manila_cephfs_protocol="CEPHFS")
    assert "ganesha" not in back.read_text() and "nfs_cluster" not in back.read_text()   # NFS options go with NFS
    original = open(MANILA_CONF).read()
    for planted, words in (("cephfs_protocol_helper_type = GLUSTER", "Valid values are [CEPHFS, NFS]"),
                           ("cephfs_auth_idd = manila", "is not an option of manila"),
                           ("driver_handles_share_servers = maybe", "not a valid BoolOpt"),
                           ("cephfs_volume_path_prefix = /volumes", "is deprecated for removal in manila")):
        bad = tmp_path / "bad.conf"
        name = planted.split(" = ", maxsplit=1)[0]
        lines = [l for l in original.splitlines() if not l.startswith(name.rstrip("d") + " ")]
        lines.insert(lines.index("[cephfs]") + 1, planted)
        bad.write_text("\n".join(lines) + "\n")
        errors = service_script("validate_config.py", "manila", str(bad))["errors"]
        assert len(errors) == 1 and words in errors[0], (planted, errors)


MANILA_PORT = 18786


@pytest.fixture(scope="module")
def manila_api(site, rabbitmq, mariadb):
    """manila-api, -scheduler and -share on lab-manila's manila.conf, completed with what the
    operator's other tooling owns (bus, database, listener, noauth); site.yml leaves those alone."""
    state = os.path.join(LAB, "services", "manila")
    os.makedirs(state, exist_ok=True)
    add_options(MANILA_CONF, service_options("lab-manila", state, rabbitmq, mariadb("manila"), MANILA_PORT))
    again = playbook(*SITE_ARGS, "--limit", "lab-manila")
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout[-3000:]
    with manila_services("http://127.0.0.1:%d/v2" % MANILA_PORT, state, MANILA_CONF) as api:
        yield api


def mount_and_write(auth_id, key, root):
    res = subprocess.run([SERVICE_PY, os.path.join(SERVICES, "cephfs_client.py"), os.path.join(LAB, "ceph.conf"),
                          auth_id, root, "from-api.txt"], input=key, capture_output=True, text=True, timeout=120,
                         check=False)
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout)


def test_b_manila_services_serve_a_share_through_the_api(manila_api):
    assert_a_share_serves_only_its_client(manila_api, mount_and_write)


NFS_ETC = os.path.join(LAB, "hosts", "lab-nfs", "etc", "ganesha")
GANESHA_LAB = os.environ.get("CEPHSTACK_TEST_GANESHA_LAB", "/var/tmp/cephstack-test-ganesha-lab")


@pytest.fixture(scope="module")
def ganesha(site):
    """The lab's Ganesha on the ganesha.conf nfs_ganesha_cephfs wrote for lab-nfs (port 2049 is the
    machine's, so only this test starts it); yields the environment that reaches its D-Bus."""
    lab_cmd = os.path.join(TOP, "lab", "ganesha-lab")
    conf = os.path.join(NFS_ETC, "ganesha.conf")
    subprocess.run([lab_cmd, "stop", "--dir", GANESHA_LAB], check=True, capture_output=True)
    res = subprocess.run([lab_cmd, "start", "--dir", GANESHA_LAB, "--conf", conf, "--defaults",
                          os.path.join(LAB, "hosts", "lab-nfs", "etc", "default", "nfs-ganesha")],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    name, value = res.stdout.strip().split("=", 1)
    yield dict(os.environ, **{name: value})
    subprocess.run([lab_cmd, "stop", "--dir", GANESHA_LAB], check=True, capture_output=True)


def test_c_manila_exports_a_share_over_nfs_through_ganesha(ganesha, tmp_path):
    conf, res = role_config(tmp_path, manila_cephfs_protocol="NFS", manila_cephfs_ganesha_server_ip="127.0.0.1",
                            manila_cephfs_ganesha_config_path=os.path.join(NFS_ETC, "ganesha.conf"),
                            manila_cephfs_ganesha_export_dir=os.path.join(NFS_ETC, "export.d"),
                            manila_cephfs_ganesha_db_path=str(tmp_path / "ganesha.db"))
    assert res.returncode == 0, res.stdout[-3000:]
    add_options(str(conf), {"DEFAULT": {"state_path": str(tmp_path)}, "oslo_concurrency": {"lock_path": str(tmp_path)}})
    out = subprocess.run([SERVICE_PY, os.path.join(SERVICES, "manila_cephfs_nfs.py"), str(conf), "cephfs",
                          os.path.join(LAB, "ceph.conf")], capture_output=True, text=True, timeout=300, check=False,
                         env=ganesha)
    assert out.returncode == 0, out.stderr[-2000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["helper"] == "NFSProtocolHelper"
    assert seen["export"].startswith("127.0.0.1:/volumes/")
    assert seen["nfs_write"] is True, seen["nfs_output"]
    assert seen["cephfs_size"] == len("written over NFS\n")         # read back through libcephfs
    assert seen["nfs_after_deny"] is False                             # the export refuses the client
    assert open(os.path.join(NFS_ETC, "export.d", "INDEX.conf")).read().strip() == ""   # export removed


def test_e_generated_ganesha_conf_passes_ganeshas_own_parser(site, tmp_path):
    validate = os.path.join(SERVICES, "validate_ganesha.py")

    def check(path):
        res = subprocess.run([SERVICE_PY, validate, path], capture_output=True, text=True, timeout=60, check=False)
        assert res.returncode == 0, res.stderr
        return json.loads(res.stdout)
    conf = os.path.join(NFS_ETC, "ganesha.conf")
    assert check(conf) == {"errors": [], "started": True}
    text = open(conf).read()
    for original, planted, words in (("Graceless = true", "Graceles = true", "Unknown parameter (Graceles)"),
                                     ("NFS_Port = 2049", "NFS_Port = 99999", "(99999) is out of range")):
        assert original in text
        bad = tmp_path / "ganesha.conf"
        bad.write_text(text.replace(original, planted))
        errors = check(str(bad))["errors"]
        assert errors and words in errors[0], (planted, errors)


def test_ganesha_packages_alone_are_predicted_in_check_mode_without_apt(site):
    """ceph.conf managed elsewhere: the role finds missing Ganesha packages with dpkg-query, so check
    mode predicts the install without the apt module (which wants python3-apt for check mode, and
    would fail on a package it cannot find)."""
    extra = {"nfs_ganesha_cephfs_manage_ceph_client": False,
             "__nfs_ganesha_cephfs_packages": ["nfs-ganesha", "cephstack-test-absent-package"]}
    res = playbook(*SITE_ARGS, "--limit", "lab-nfs", "--check", "-e", json.dumps(extra))
    text = " ".join(res.stdout.split())
    assert res.returncode == 0, res.stdout[-3000:]
    assert "lab-nfs would install cephstack-test-absent-package" in text, res.stdout[-3000:]
    assert "would install nfs-ganesha" not in text


@pytest.mark.parametrize("extra, message", [
    ({"manila_cephfs_filesystem": "nofs", "manila_cephfs_create_filesystem": False},
     "file system 'nofs' does not exist (the cluster has: cephfs)"),
    ({"manila_cephfs_protocol": "GLUSTERFS"},
     "value of manila_cephfs_protocol must be one of: CEPHFS, NFS, cephfs, nfs, got: GLUSTERFS"),
    ({"manila_cephfs_protocol": "NFS", "manila_cephfs_ganesha_server_ip": "ganesha.example"},
     "manila_cephfs_ganesha_server_ip must be an IPv4 or IPv6 address (got 'ganesha.example')"),
    ({"manila_cephfs_protocol": "NFS", "manila_cephfs_nfs_cluster_id": "nfs/one"},
     "manila_cephfs_nfs_cluster_id is empty or an NFS cluster id of up to 64 characters from A-Z a-z 0-9 _ . - "
     "(got 'nfs/one')"),
], ids=["unknown-fs", "protocol", "ganesha-address", "nfs-cluster-id"])
def test_bad_input_fails_before_any_file_is_touched(site, extra, message):
    before = open(MANILA_CONF).read()
    res = playbook(*SITE_ARGS, "--limit", "lab-manila", "-e", json.dumps(extra))
    assert res.returncode != 0
    assert message in " ".join(res.stdout.split()), res.stdout[-3000:]
    assert open(MANILA_CONF).read() == before


CONTAINERS_CONF = """[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
runtime = "runc"
"""
ADMIN_STAT = """
import cephfs, sys
fs = cephfs.LibCephFS(conffile=sys.argv[1])
fs.mount(filesystem_name=b"cephfs")
print(fs.stat(sys.argv[2].encode()).st_size)
fs.shutdown()
"""


def test_d_a_container_writes_through_the_roles_ceph_fuse_mount(site, tmp_path):
    """cephfs_mount mounted the subvolume with ceph-fuse as its own user; a podman container
    (runc, a busybox rootfs: no registry) bind-mounts it and writes; the admin's libcephfs sees
    the file inside the subvolume; the fstab line brings the mount back as boot would."""
    mount = os.path.join(LAB, "hosts", "lab-containers", "srv", "data")
    fstab = os.path.join(LAB, "hosts", "lab-containers", "etc", "fstab")
    mounts = open("/proc/mounts").read()
    assert " %s fuse.ceph-fuse " % mount in mounts
    line = [l for l in open(fstab).read().splitlines() if l.split()[1:2] == [mount]]
    assert len(line) == 1 and "ceph.id=lab-containers" in line[0] and "_netdev" in line[0]

    rootfs = tmp_path / "rootfs"
    (rootfs / "bin").mkdir(parents=True)
    (rootfs / "data").mkdir()
    subprocess.run(["cp", "/bin/busybox", str(rootfs / "bin" / "busybox")], check=True)
    conf = tmp_path / "containers.conf"
    conf.write_text(CONTAINERS_CONF)
    run = subprocess.run(["podman", "run", "--rm", "-v", mount + ":/data", "--rootfs", str(rootfs), "/bin/busybox",
                          "sh", "-c", "echo written-in-a-container > /data/from-container.txt"],
                         capture_output=True, text=True, timeout=120, check=False,
                         env=dict(os.environ, CONTAINERS_CONF=str(conf)))
    assert run.returncode == 0, run.stderr

    info = json.loads(subprocess.run(["ceph", "--conf", os.path.join(LAB, "ceph.conf"), "fs", "subvolume", "info",
                                      "cephfs", "lab-containers", "--format", "json"],
                                     capture_output=True, text=True, check=True).stdout)
    assert "ceph.client_mountpoint=%s," % info["path"] in line[0]
    size = subprocess.run([SERVICE_PY, "-c", ADMIN_STAT, os.path.join(LAB, "ceph.conf"),
                           info["path"] + "/from-container.txt"], capture_output=True, text=True, check=True)
    assert int(size.stdout) == len("written-in-a-container\n")

    # As at boot: unmounted, then mounted from the fstab line alone.
    subprocess.run(["umount", mount], check=True)
    assert " %s " % mount not in open("/proc/mounts").read()
    subprocess.run(["mount", "-T", fstab, mount], check=True, capture_output=True)
    assert open(os.path.join(mount, "from-container.txt")).read() == "written-in-a-container\n"

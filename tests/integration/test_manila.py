"""Manila on CephFS (issue 7), from the manila.conf the manila_cephfs role wrote.

(a) Manila's real CephFSDriver: a 1 GiB share, cephx access for alice, a libcephfs mount as alice
    that writes inside the share and is refused outside it, extend and shrink, a snapshot, deny,
    delete;
(e) the generated manila.conf, CEPHFS and NFS forms, passes a name-and-value check against
    Manila's own options, deprecated names included; planted errors are caught;
bad input to the role fails before any file is touched.
"""
import json
import os
import subprocess

import pytest

from tests.integration.conftest import LAB, SITE_ARGS, TOP, playbook

SERVICE_PY = "/usr/bin/python3"
SERVICES = os.path.join(TOP, "tests", "integration", "services")
MANILA_CONF = os.path.join(LAB, "hosts", "lab-manila", "etc", "manila", "manila.conf")


def service_script(name, *args):
    res = subprocess.run([SERVICE_PY, os.path.join(SERVICES, name)] + list(args), capture_output=True,
                         text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-5000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


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
    assert service_script("validate_config.py", "manila", MANILA_CONF) == {"checked": 11, "errors": []}
    nfs, res = role_config(tmp_path, manila_cephfs_protocol="NFS", manila_cephfs_ganesha_server_ip="192.0.2.20")
    assert res.returncode == 0, res.stdout[-3000:]
    text = nfs.read_text()
    assert "cephfs_protocol_helper_type = NFS" in text and "cephfs_ganesha_server_ip = 192.0.2.20" in text
    assert "enabled_share_protocols = NFS" in text
    assert service_script("validate_config.py", "manila", str(nfs))["errors"] == []
    back, res = role_config(tmp_path, manila_cephfs_protocol="CEPHFS")
    assert "ganesha" not in back.read_text()           # the role's NFS options go with NFS
    original = open(MANILA_CONF).read()
    for planted, words in (("cephfs_protocol_helper_type = GLUSTER", "Valid values are [CEPHFS, NFS]"),
                           ("cephfs_auth_idd = manila", "is not an option of manila"),
                           ("driver_handles_share_servers = maybe", "not a valid BoolOpt"),
                           ("cephfs_volume_path_prefix = /volumes", "deprecated in manila")):
        bad = tmp_path / "bad.conf"
        name = planted.split(" = ", maxsplit=1)[0]
        lines = [l for l in original.splitlines() if not l.startswith(name.rstrip("d") + " ")]
        lines.insert(lines.index("[cephfs]") + 1, planted)
        bad.write_text("\n".join(lines) + "\n")
        errors = service_script("validate_config.py", "manila", str(bad))["errors"]
        assert len(errors) == 1 and words in errors[0], (planted, errors)


@pytest.mark.parametrize("extra, message", [
    ({"manila_cephfs_filesystem": "nofs", "manila_cephfs_create_filesystem": False},
     "file system 'nofs' does not exist (the cluster has: cephfs)"),
    ({"manila_cephfs_protocol": "GLUSTERFS"},
     "value of manila_cephfs_protocol must be one of: CEPHFS, NFS, cephfs, nfs, got: GLUSTERFS"),
    ({"manila_cephfs_protocol": "NFS", "manila_cephfs_ganesha_server_ip": "ganesha.example"},
     "manila_cephfs_ganesha_server_ip must be an IPv4 or IPv6 address (got 'ganesha.example')"),
], ids=["unknown-fs", "protocol", "ganesha-address"])
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

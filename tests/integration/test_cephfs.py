"""The CephFS modules on the lab's MDS, each step check mode, then real, then the re-run, then
absent: check mode changes nothing and predicts the real run (test_check_mode's harness)."""
import os
import signal
import time

import pytest

from tests.integration.conftest import CONTAINER, LAB, ceph_cli, ceph_json, ceph_reads, cli_words, run_module
from tests.integration.test_check_mode import check_then_apply, conn

FS = "cephfs"          # site.yml's file system: subvolumes live here, and it stays (a ceph-fuse mount uses it)
VOLUME = "cm-fs"       # created and removed by the test: removing cephfs would hang site.yml's mount
GROUP = "cm-group"


def kill_fuse_daemon(path):
    """SIGKILL the ceph-fuse process that serves ``path``, and wait until it is gone."""
    for pid in [d for d in os.listdir("/proc") if d.isdigit()]:
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"ceph-fuse") and path.encode() in argv:
            os.kill(int(pid), signal.SIGKILL)
            for dummy in range(100):
                if not os.path.exists("/proc/%s" % pid):
                    return
                time.sleep(0.05)
    raise AssertionError("no ceph-fuse serves %s" % path)


def cephfs_world():
    """What the CephFS modules can change, read on one connection."""
    sub = dict(vol_name=FS, sub_name="cm-sub", group_name=GROUP)
    fs, groups, group, info, snaps, access = ceph_reads(
        ("mon", {"prefix": "fs ls"}),
        ("mgr", {"prefix": "fs subvolumegroup ls", "vol_name": FS}),
        ("mgr", {"prefix": "fs subvolumegroup info", "vol_name": FS, "group_name": GROUP}),
        ("mgr", dict(sub, prefix="fs subvolume info")),
        ("mgr", dict(sub, prefix="fs subvolume snapshot ls")),
        ("mgr", dict(sub, prefix="fs subvolume authorized_list")))
    snap = dict(fs=fs)
    if fs:
        snap.update(groups=groups, group=group, sub=info)
        if info:
            for volatile in ("atime", "mtime", "ctime", "bytes_used", "bytes_pcent"):
                info.pop(volatile, None)
            snap.update(snaps=snaps, access=access)
        if group:
            for volatile in ("atime", "mtime", "ctime", "bytes_used", "bytes_pcent"):
                group.pop(volatile, None)
    return snap


def step(module, args, resource, workdir, libvirt_uri, unknown=()):
    return check_then_apply(module, conn(**args), resource, workdir, libvirt_uri, unknown, cephfs_world)


def remove_leftovers():
    """What an earlier, interrupted run of these tests left (a rerun after a release's ceph-mgr
    crashed or hung mid-test starts from a clean slate); nothing when they ran to the end."""
    names = [f["name"] for f in ceph_json("fs", "ls") or []]
    if FS in names:
        sub = ("cm-sub", "--group_name", GROUP)
        info = ceph_json("fs", "subvolume", "snapshot", "ls", FS, *sub, allow_error=True) or []
        for snap in info:
            ceph_cli("fs", "subvolume", "snapshot", "rm", FS, sub[0], snap["name"], *sub[1:])
        ceph_cli("fs", "subvolume", "rm", FS, *sub, "--force")
        ceph_cli("fs", "subvolumegroup", "rm", FS, GROUP, "--force")
    ceph_cli("auth", "rm", "client.cm-alice")
    if VOLUME in names:
        ceph_cli("fs", "volume", "rm", VOLUME, "--yes-i-really-mean-it")


@pytest.mark.release
def test_cephfs_volume_on_the_cli_transport(workdir, libvirt_uri):
    """fs volume create's argument is called name, as is the ceph tool's own --name option."""
    remove_leftovers()
    args = dict(name=VOLUME, transport="cli")
    r = step("cephfs_volume", args, "volume", workdir, libvirt_uri)
    assert r["commands"] == ["ceph fs volume create %s" % VOLUME]
    assert step("cephfs_volume", args, "volume", workdir, libvirt_uri)["changed"] is False
    r = step("cephfs_volume", dict(args, state="absent"), "volume", workdir, libvirt_uri)
    assert r["volume"] == {}


@pytest.mark.release
def test_cephfs_modules_check_apply_rerun_absent(workdir, libvirt_uri):
    run_module("cephfs_volume", conn(name=FS))          # made by site.yml when it ran first
    remove_leftovers()
    r = step("cephfs_volume", dict(name=VOLUME), "volume", workdir, libvirt_uri)
    assert r["volume"] == {"name": VOLUME, "metadata_pool": "cephfs.cm-fs.meta", "data_pools": ["cephfs.cm-fs.data"]}
    assert step("cephfs_volume", dict(name=VOLUME), "volume", workdir, libvirt_uri)["changed"] is False

    group = dict(fs=FS, name=GROUP, mode="0750", gid=100)
    r = step("cephfs_subvolume_group", group, "group", workdir, libvirt_uri,
             ["after.data_pool", "diff.data_pool"])
    assert r["group"]["mode"] == "0750" and r["group"]["gid"] == 100
    assert step("cephfs_subvolume_group", group, "group", workdir, libvirt_uri)["changed"] is False

    sub = dict(fs=FS, group=GROUP, name="cm-sub", size="1G", namespace_isolated=True, snapshots=["s1"])
    unknown = ["after.path", "after.data_pool", "after.uid", "after.gid", "after.pool_namespace",
               "diff.path", "diff.data_pool", "diff.uid", "diff.gid", "diff.pool_namespace"]
    r = step("cephfs_subvolume", sub, "subvolume", workdir, libvirt_uri, unknown)
    assert r["subvolume"]["path"].startswith("/volumes/%s/cm-sub/" % GROUP)
    # the namespace's name is the release's: fsvolumens_cm-sub (Pacific, Reef), fsvolumens__cm-group_cm-sub (Tentacle)
    namespace = r["subvolume"]["pool_namespace"]
    assert r["subvolume"]["size"] == 1 << 30 and namespace in ("fsvolumens_cm-sub", "fsvolumens__cm-group_cm-sub")
    assert r["subvolume"]["gid"] == 100 and r["subvolume"]["snapshots"] == ["s1"]
    again = step("cephfs_subvolume", sub, "subvolume", workdir, libvirt_uri)
    assert again["changed"] is False and again["ceph_calls"] == 2
    r = step("cephfs_subvolume", dict(sub, size="2G", snapshots=["s2"], prune_snapshots=True), "subvolume",
             workdir, libvirt_uri)
    assert [cli_words(c).split(" --")[0] for c in r["commands"]] == [
        "ceph fs subvolume resize", "ceph fs subvolume snapshot create", "ceph fs subvolume snapshot rm"]
    assert r["subvolume"]["size"] == 2 << 30 and r["subvolume"]["snapshots"] == ["s2"]

    access = dict(fs=FS, group=GROUP, subvolume="cm-sub", auth_id="cm-alice")
    r = step("cephfs_subvolume_access", access, "access", workdir, libvirt_uri)
    assert r["access"] == {"auth_id": "cm-alice", "subvolume": "cm-sub", "access_level": "rw"}
    caps = ceph_json("auth", "get", "client.cm-alice")[0]["caps"]
    assert caps["mds"].startswith("allow rw path=/volumes/%s/cm-sub/" % GROUP)
    assert "namespace=" + namespace in caps["osd"]
    if CONTAINER is None:   # a release lab's container has no FUSE device
        fuse_mount_as(workdir, libvirt_uri)
    r = step("cephfs_subvolume_access", dict(access, access_level="r"), "access", workdir, libvirt_uri)
    assert ceph_json("auth", "get", "client.cm-alice")[0]["caps"]["mds"].startswith("allow r path=")
    keyed = run_module("cephfs_subvolume_access", conn(**dict(access, access_level="r", return_key=True)))
    assert keyed["changed"] is False and keyed["key"] == ceph_json("auth", "get", "client.cm-alice")[0]["key"]
    r = step("cephfs_subvolume_access", dict(access, state="absent"), "access", workdir, libvirt_uri)
    assert r["access"] == {} and ceph_json("auth", "get", "client.cm-alice", allow_error=True) is None

    refused = run_module("cephfs_subvolume", conn(**{**sub, "state": "absent", "snapshots": None}), expect_failure=True)
    assert "subvolume cm-sub has snapshots (s2), so it is not removed" in refused["msg"]
    r = step("cephfs_subvolume", dict(sub, state="absent", snapshots=[], prune_snapshots=True), "subvolume",
             workdir, libvirt_uri)
    assert r["subvolume"] == {} and len(r["commands"]) == 2
    r = step("cephfs_subvolume_group", dict(fs=FS, name=GROUP, state="absent"), "group", workdir, libvirt_uri)
    assert r["group"] == {}

    # Removing the file system deletes its pools: refused, and explained, while the mons forbid it.
    admin = ("config", "set", "mon", "mon_allow_pool_delete")
    ceph_cli(*admin, "false")
    try:
        res = run_module("cephfs_volume", conn(name=VOLUME, state="absent"), expect_failure=True)
        assert "cannot remove file system cm-fs" in res["msg"] and "Set mon_allow_pool_delete=true" in res["msg"]
    finally:
        ceph_cli(*admin, "true")
    r = step("cephfs_volume", dict(name=VOLUME, state="absent"), "volume", workdir, libvirt_uri)
    assert r["volume"] == {} and [f["name"] for f in ceph_json("fs", "ls")] == [FS]


def fuse_mount_as(workdir, libvirt_uri):
    """ceph_fuse_mount as the subvolume's user: check, mount, re-run, absent (the fstab and mount
    point are the test's)."""
    keyring = os.path.join(workdir, "cm-alice.keyring")
    with open(keyring, "w") as f:
        f.write("[client.cm-alice]\n\tkey = %s\n" % ceph_json("auth", "get", "client.cm-alice")[0]["key"])
    sub_path = ceph_json("fs", "subvolume", "info", FS, "cm-sub", "--group_name", GROUP)["path"]
    fuse = dict(path=os.path.join(workdir, "mnt"), root=sub_path, client_id="cm-alice", keyring=keyring,
                conf=os.path.join(LAB, "ceph.conf"), fstab=os.path.join(workdir, "fstab"))
    r = step("ceph_fuse_mount", fuse, "mount", workdir, libvirt_uri)
    assert r["commands"][0] == "mkdir -p -m 0755 " + fuse["path"]     # the mount point was missing
    assert r["mount"]["mounted"] and r["commands"][-1].startswith("mount -T ")
    assert step("ceph_fuse_mount", fuse, "mount", workdir, libvirt_uri)["changed"] is False
    # Its ceph-fuse dies: the mount is still listed, and every access fails. A re-run mounts it again.
    kill_fuse_daemon(fuse["path"])
    with pytest.raises(OSError):
        os.stat(fuse["path"])
    r = step("ceph_fuse_mount", fuse, "mount", workdir, libvirt_uri)
    assert r["commands"][0] == "umount %s" % fuse["path"], r["commands"]
    assert any("dead ceph-fuse mount (Transport endpoint is not connected)" in w for w in r.get("warnings", []))
    assert r["commands"][-1].startswith("mount -T ") and r["mount"]["mounted"]
    with open(os.path.join(fuse["path"], "after-remount"), "w") as f:
        f.write("ok")
    r = step("ceph_fuse_mount", dict(fuse, state="absent"), "mount", workdir, libvirt_uri)
    assert r["mount"] == {"path": fuse["path"], "fstab_line": None, "mounted": False}


@pytest.mark.release
def test_cephfs_bad_input_names_the_option():
    run_module("cephfs_volume", conn(name=FS))
    for args, words in (
            (dict(fs=FS, name="cm-x", size="ten gigs"), ["size='ten gigs' is not a size"]),
            (dict(fs="no-such-fs", name="cm-x"), ["fs=no-such-fs: no such CephFS file system; existing: cephfs"]),
            (dict(fs=FS, group="no-such-group", name="cm-x"), ["group=no-such-group: no such subvolume group"]),
            (dict(fs=FS, name="bad/name"), ["name='bad/name' is not a valid CephFS name"]),
            (dict(fs=FS, name="cm-x", mode="rwx"), ["mode='rwx' is not an octal directory mode"])):
        res = run_module("cephfs_subvolume", conn(**args), expect_failure=True)
        for w in words:
            assert w in res["msg"], res["msg"]
    res = run_module("cephfs_subvolume_access", conn(fs=FS, subvolume="cm-none", auth_id="client.x"), expect_failure=True)
    assert "auth_id='client.x': give the id without 'client.'" in res["msg"]

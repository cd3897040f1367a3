"""ceph_fuse_mount with mount and umount answered by a fake that keeps a mount table in the form
of /proc/mounts (a ceph-fuse line recorded from the lab's CephFS client host): check, apply,
re-run, a dead mount, absent; ``commands`` equals the argv that ran."""
import json
import os

import pytest

from ansible_collections.cephstack.cloud.plugins.modules import ceph_fuse_mount
from ansible_collections.cephstack.cloud.plugins.modules.ceph_fuse_mount import CephFuseMount
from tests.unit.helpers import FIXTURES, answer_commands, run_module

with open(os.path.join(FIXTURES, "proc_mounts_ceph_fuse.txt")) as f:
    RECORDED_LINE = f.read().strip()
RECORDED_PATH = RECORDED_LINE.split()[1]


class FakeMounts(object):
    """mount -T FSTAB PATH and umount PATH, on a mount table of /proc/mounts lines."""

    def __init__(self, table):
        self.table = table
        self.ran = []
        table.write_text("")

    def __call__(self, argv, **kwargs):
        argv = [os.path.basename(argv[4])] + list(argv[5:])
        self.ran.append(" ".join(argv))
        path = argv[-1]
        lines = [l for l in self.table.read_text().splitlines() if l.split()[1] != path]
        if argv[0] == "mount":
            lines.append(RECORDED_LINE.replace(RECORDED_PATH, path))
        self.table.write_text("".join(l + "\n" for l in lines))
        return 0, "", ""


@pytest.fixture
def mounts(monkeypatch, tmp_path):
    fake = answer_commands(monkeypatch, FakeMounts(tmp_path / "proc-mounts"))
    read_mounts = ceph_fuse_mount.mounted       # the module's own reader, on the fake table
    monkeypatch.setattr(ceph_fuse_mount, "mounted", lambda path: read_mounts(path, str(fake.table)))
    return fake


def run(args, capsys, check_mode=False):
    return run_module(CephFuseMount, args, None, capsys, check_mode=check_mode, diff=True)


def test_check_apply_rerun_absent(mounts, tmp_path, capsys):
    path, fstab = str(tmp_path / "mnt"), str(tmp_path / "fstab")
    args = dict(path=path, fstab=fstab, root="/volumes/_nogroup/data/1e0c", client_id="registry",
                keyring="/etc/ceph/ceph.client.registry.keyring")
    line = ("none %s fuse.ceph ceph.id=registry,ceph.client_mountpoint=/volumes/_nogroup/data/1e0c,"
            "ceph.conf=/etc/ceph/ceph.conf,ceph.keyring=/etc/ceph/ceph.client.registry.keyring,_netdev,defaults 0 0"
            % path)
    expected = ["mkdir -p -m 0755 %s" % path, "write fstab %s" % fstab, "mount -T %s %s" % (fstab, path)]
    failed, check = run(args, capsys, check_mode=True)
    assert not failed and check["commands"] == expected and mounts.ran == [] and not os.path.exists(path)
    assert check["mount"] == dict(path=path, fstab_line=line, mounted=True)

    failed, real = run(args, capsys)
    assert not failed and real["commands"] == expected and real["mount"] == check["mount"]
    assert mounts.ran == [expected[-1]] and os.path.isdir(path)
    with open(fstab) as f:
        assert f.read() == line + "\n"

    failed, again = run(args, capsys)
    assert not failed and not again["changed"] and again["commands"] == [] and len(mounts.ran) == 1

    failed, gone = run(dict(path=path, fstab=fstab, state="absent"), capsys)
    assert not failed and gone["commands"] == ["umount %s" % path, "write fstab %s" % fstab]
    assert mounts.ran[1:] == ["umount %s" % path] and gone["mount"] == dict(path=path, fstab_line=None, mounted=False)


def test_a_dead_mount_is_unmounted_then_mounted_again(mounts, tmp_path, capsys, monkeypatch):
    path, fstab = str(tmp_path / "mnt"), str(tmp_path / "fstab")
    args = dict(path=path, fstab=fstab, root="/volumes/_nogroup/data/1e0c", client_id="registry")
    run(args, capsys)
    monkeypatch.setattr(ceph_fuse_mount, "dead_mount", lambda p: "Transport endpoint is not connected")
    failed, res = run(args, capsys)
    assert not failed and res["commands"] == ["umount %s" % path, "mount -T %s %s" % (fstab, path)]
    assert res["commands"] == mounts.ran[1:]
    # the warning's form is ansible-core's (a dict on 2.19): look for its text
    assert "dead ceph-fuse mount (Transport endpoint is not connected)" in json.dumps(res["warnings"])


@pytest.mark.parametrize("args, message", [
    (dict(root="volumes/x", client_id="a"), "root='volumes/x' must be an absolute CephFS path"),
    (dict(root="/volumes/x", client_id="client.a"), "client_id='client.a': give the id without 'client.'"),
    (dict(root="/volumes/x", client_id="a", timeout=0), "timeout must be at least 1 second, got 0"),
])
def test_bad_input_names_the_option(mounts, tmp_path, capsys, args, message):
    failed, res = run(dict(args, path=str(tmp_path / "mnt"), fstab=str(tmp_path / "fstab")), capsys)
    assert failed and message in res["msg"] and mounts.ran == []

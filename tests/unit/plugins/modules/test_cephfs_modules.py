"""The CephFS modules on answers recorded from a Tentacle 20.2 lab (fs ls, subvolume group and
subvolume info, snapshots, authorized clients, auth get, and the ENOENT of a missing one): what
each reads, what it decides, that check mode sends no write, and that `commands` are exactly the
writes the runner sent."""
import json

import pytest

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_commands import describe
from ansible_collections.cephstack.cloud.plugins.modules.cephfs_subvolume import CephfsSubvolume
from ansible_collections.cephstack.cloud.plugins.modules.cephfs_subvolume_access import CephfsSubvolumeAccess
from ansible_collections.cephstack.cloud.plugins.modules.cephfs_subvolume_group import CephfsSubvolumeGroup
from ansible_collections.cephstack.cloud.plugins.modules.cephfs_volume import CephfsVolume
from tests.unit.helpers import RecordedTransport, fixture, run_module

RECORDED = fixture("cephfs_tentacle.json")["answers"]
READS = ("fs ls", "fs subvolumegroup info", "fs subvolume info", "fs subvolume snapshot ls",
         "fs subvolume authorized_list", "auth get")


def answer(name):
    a = RECORDED[name]
    return a["rc"], a["out"], a["outs"]


def writes(transport):
    """The commands the runner sent that are not reads, as `commands` shows them."""
    return [describe(c) for c, dummy in transport.sent if c["prefix"] not in READS]


def lab(**overrides):
    """The recorded cluster: file system cephfs, group grp, subvolume grp/sub with snapshot snap1,
    alice authorized rw. A write is answered rc 0 and recorded."""
    answers = {"fs ls": answer("fs_ls"),
               "fs subvolumegroup info": lambda c: answer("group_info" if c["group_name"] == "grp"
                                                          else "group_info_missing"),
               "fs subvolume info": lambda c: answer("group_info_missing" if c.get("group_name") != "grp"
                                                     else "subvolume_info" if c["sub_name"] == "sub"
                                                     else "subvolume_info_missing"),
               "fs subvolume snapshot ls": answer("snapshot_ls"),
               "fs subvolume authorized_list": lambda c: answer("authorized_list" if c["sub_name"] == "sub"
                                                                else "subvolume_info_missing"),
               "auth get": lambda c: answer("auth_get_alice" if c["entity"] == "client.alice" else "auth_get_missing")}
    answers.update(overrides)
    return RecordedTransport(answers)


def test_the_recorded_subvolume_is_read_as_it_is(capsys):
    t = lab()
    failed, res = run_module(CephfsSubvolume, dict(name="sub", group="grp", snapshots=["snap1"]), t, capsys)
    assert not failed and res["changed"] is False and res["commands"] == [] == writes(t)
    sub = res["subvolume"]
    info = json.loads(RECORDED["subvolume_info"]["out"])
    assert sub["size"] == 1073741824 and sub["path"] == info["path"] and sub["snapshots"] == ["snap1"]
    assert sub["pool_namespace"] == info["pool_namespace"] == "fsvolumens__grp_sub"   # Tentacle's name
    assert [c["prefix"] for c, dummy in t.sent] == ["fs subvolume info", "fs subvolume snapshot ls"]


@pytest.mark.parametrize("check_mode", [True, False])
def test_resize_and_snapshots_are_what_runs(capsys, check_mode):
    t = lab()
    args = dict(name="sub", group="grp", size="2G", snapshots=["snap2"], prune_snapshots=True)
    failed, res = run_module(CephfsSubvolume, args, t, capsys, check_mode=check_mode)
    assert not failed and res["changed"] is True
    assert res["commands"] == [
        "ceph fs subvolume resize --group_name grp --new_size 2147483648 --sub_name sub --vol_name cephfs",
        "ceph fs subvolume snapshot create --group_name grp --snap_name snap2 --sub_name sub --vol_name cephfs",
        "ceph fs subvolume snapshot rm --group_name grp --snap_name snap1 --sub_name sub --vol_name cephfs"]
    assert writes(t) == ([] if check_mode else res["commands"])


def test_a_missing_subvolume_is_created_with_what_was_asked(capsys):
    t = lab()
    failed, res = run_module(CephfsSubvolume, dict(name="new", group="grp", size=1 << 30, mode="0750",
                                                   namespace_isolated=True), t, capsys)
    assert not failed and res["changed"] is True and res["commands"] == writes(t)
    created = [c for c, dummy in t.sent if c["prefix"] == "fs subvolume create"][0]
    assert created["size"] == 1 << 30 and created["mode"] == "0750" and created["namespace_isolated"] is True
    assert "uid" not in created and "pool_layout" not in created        # not asked: the plugin's default


def test_a_subvolume_with_snapshots_is_not_removed(capsys):
    t = lab()
    failed, res = run_module(CephfsSubvolume, dict(name="sub", group="grp", state="absent"), t, capsys)
    assert failed and "has snapshots (snap1)" in res["msg"] and writes(t) == []


def test_a_missing_group_is_named(capsys):
    t = lab()
    failed, res = run_module(CephfsSubvolume, dict(name="sub", group="nogrp"), t, capsys)
    assert failed and res["msg"] == "group=nogrp: no such subvolume group in fs=cephfs"


def test_the_recorded_group_and_a_change_ceph_cannot_make(capsys):
    failed, res = run_module(CephfsSubvolumeGroup, dict(name="grp", mode="0750", gid=100), lab(), capsys)
    assert not failed and res["changed"] is False
    assert res["group"]["mode"] == "0750" and res["group"]["gid"] == 100
    failed, res = run_module(CephfsSubvolumeGroup, dict(name="grp", mode="0700"), lab(), capsys)
    assert failed and "exists with mode=0750" in res["msg"]


def test_group_create_and_remove_are_what_runs(capsys):
    t = lab()
    failed, res = run_module(CephfsSubvolumeGroup, dict(name="other", uid=0), t, capsys)
    assert not failed and res["commands"] == writes(t) == [
        "ceph fs subvolumegroup create --group_name other --uid 0 --vol_name cephfs"]
    t = lab()
    failed, res = run_module(CephfsSubvolumeGroup, dict(name="grp", state="absent"), t, capsys)
    assert not failed and res["commands"] == writes(t) == ["ceph fs subvolumegroup rm --group_name grp --vol_name cephfs"]


def test_access_is_read_from_the_authorized_list(capsys):
    t = lab()
    failed, res = run_module(CephfsSubvolumeAccess, dict(subvolume="sub", group="grp", auth_id="alice",
                                                         return_key=True), t, capsys)
    assert not failed and res["changed"] is False and writes(t) == []
    assert res["access"] == {"auth_id": "alice", "subvolume": "sub", "access_level": "rw"}
    assert res["key"].startswith("Ag")                  # the recorded aes256k key, given only when asked


def test_access_level_change_and_deauthorize_are_what_runs(capsys):
    t = lab()
    failed, res = run_module(CephfsSubvolumeAccess, dict(subvolume="sub", group="grp", auth_id="alice",
                                                         access_level="r"), t, capsys)
    assert not failed and res["commands"] == writes(t) == [
        "ceph fs subvolume authorize --access_level r --auth_id alice --group_name grp --sub_name sub "
        "--vol_name cephfs"]
    t = lab()
    failed, res = run_module(CephfsSubvolumeAccess, dict(subvolume="sub", group="grp", auth_id="alice",
                                                         state="absent"), t, capsys, check_mode=True)
    assert not failed and res["commands"] == [
        "ceph fs subvolume deauthorize --auth_id alice --group_name grp --sub_name sub --vol_name cephfs"]
    assert writes(t) == []


def test_access_to_a_missing_subvolume_is_refused(capsys):
    failed, res = run_module(CephfsSubvolumeAccess, dict(subvolume="nosub", group="grp", auth_id="bob"), lab(), capsys)
    assert failed and res["msg"] == "subvolume=nosub does not exist in fs=cephfs group=grp"


def test_volume_create_goes_positionally_and_is_what_runs(capsys):
    t = lab()
    failed, res = run_module(CephfsVolume, dict(name="other"), t, capsys, check_mode=True)
    assert not failed and res["commands"] == ["ceph fs volume create other"] and writes(t) == []
    assert res["volume"]["data_pools"] == ["cephfs.other.data"]             # predicted: the plugin's names
    t = lab()
    failed, res = run_module(CephfsVolume, dict(name="other"), t, capsys)
    assert not failed and res["commands"] == writes(t) == ["ceph fs volume create other"]
    failed, res = run_module(CephfsVolume, dict(name="cephfs"), lab(), capsys)
    assert not failed and res["changed"] is False

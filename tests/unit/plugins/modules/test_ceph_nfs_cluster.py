"""ceph_nfs_cluster on answers recorded from the mgr nfs module: one read, create only what is
missing, check mode predicts it, and a release whose mgr needs an orchestrator is named."""
import pytest

from ansible_collections.cephstack.cloud.plugins.modules.ceph_nfs_cluster import CephNfsCluster, cluster_ids
from tests.unit.helpers import RecordedTransport, run_module

# Tentacle 20.2, no orchestrator: the clusters whose conf-nfs object is in .nfs
LS_TENTACLE = ["labnfs"]
# Pacific 16.2, no orchestrator (errno ENOENT)
NO_ORCHESTRATOR = (-2, "", "No orchestrator configured (try `ceph orch set backend`)")


def test_a_missing_cluster_is_created_once(capsys):
    created = []

    def ls(dummy):
        return 0, '["cephnfs"]' if created else "[]", ""

    def create(command):
        created.append(command)
        return 0, "", "cephnfs cluster already exists"     # Tentacle's answer without an orchestrator
    t = RecordedTransport({"nfs cluster ls": ls, "nfs cluster create": create})
    failed, res = run_module(CephNfsCluster, {"name": "cephnfs"}, t, capsys)
    assert not failed and res["changed"] is True
    # one read, the write, and the read that reports the result
    assert [c["prefix"] for c, dummy in t.sent] == ["nfs cluster ls", "nfs cluster create", "nfs cluster ls"]
    assert t.sent[1][0]["cluster_id"] == "cephnfs"
    assert res["commands"] == ["ceph nfs cluster create --cluster_id cephnfs"]
    assert res["nfs_cluster"] == {"name": "cephnfs", "pool": ".nfs", "namespace": "cephnfs",
                                  "config_object": "conf-nfs.cephnfs"}
    assert res["ceph_calls"] == 3


def test_an_existing_cluster_is_left_alone(capsys):
    t = RecordedTransport({"nfs cluster ls": LS_TENTACLE})
    failed, res = run_module(CephNfsCluster, {"name": "labnfs"}, t, capsys)
    assert not failed and res["changed"] is False and res["commands"] == []
    assert len(t.sent) == 1


def test_check_mode_predicts_the_creation_and_sends_no_write(capsys):
    t = RecordedTransport({"nfs cluster ls": LS_TENTACLE})
    failed, res = run_module(CephNfsCluster, {"name": "other"}, t, capsys, check_mode=True, diff=True)
    assert not failed and res["changed"] is True
    assert res["commands"] == ["ceph nfs cluster create --cluster_id other"]
    assert [c["prefix"] for c, dummy in t.sent] == ["nfs cluster ls"]
    assert res["diff"]["before"] == {} and res["diff"]["after"]["config_object"] == "conf-nfs.other"


def test_a_mgr_that_needs_an_orchestrator_is_named(capsys):
    failed, res = run_module(CephNfsCluster, {"name": "labnfs"}, RecordedTransport({"nfs cluster ls": NO_ORCHESTRATOR}),
                             capsys)
    assert failed
    assert "only through an orchestrator" in res["msg"] and "No orchestrator configured" in res["msg"]


@pytest.mark.parametrize("name", ["", "a b", "x/y", "a" * 65])
def test_bad_ids_fail_before_any_call(capsys, name):
    t = RecordedTransport({})
    failed, res = run_module(CephNfsCluster, {"name": name}, t, capsys)
    assert failed and "is not an NFS cluster id" in res["msg"] and t.sent == []


def test_both_forms_of_the_list():
    assert cluster_ids(["a", "b"]) == ["a", "b"]
    assert cluster_ids("a\nb\n") == ["a", "b"]
    assert cluster_ids(None) == []


# Tentacle 20.2 with the module off (errno ENOTSUP)
MODULE_OFF = (-95, "", "Module 'nfs' is not enabled (required by command 'nfs cluster ls'): use "
                       "`ceph mgr module enable nfs` to enable it")


def mgr_with_module_off(existing=(), loading_answers=1):
    """A mgr whose nfs module is off until enabled, then still loading for a few answers."""
    state = {"enabled": False, "loading": loading_answers, "clusters": list(existing)}

    def ls(dummy):
        if not state["enabled"]:
            return MODULE_OFF
        if state["loading"]:
            state["loading"] -= 1
            return MODULE_OFF
        return 0, repr(state["clusters"]).replace("'", '"'), ""

    def enable(command):
        assert command["module"] == "nfs"
        state["enabled"] = True
        return 0, "", ""

    def create(command):
        state["clusters"].append(command["cluster_id"])
        return 0, "", ""
    return RecordedTransport({"nfs cluster ls": ls, "mgr module enable": enable, "nfs cluster create": create})


def test_the_module_is_enabled_then_the_cluster_created(capsys, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    t = mgr_with_module_off()
    failed, res = run_module(CephNfsCluster, {"name": "cephnfs"}, t, capsys, diff=True)
    assert not failed and res["changed"] is True
    assert res["commands"] == ["ceph mgr module enable --module nfs", "ceph nfs cluster create --cluster_id cephnfs"]
    assert res["diff"]["before"] == {"module_enabled": False}
    assert res["nfs_cluster"]["name"] == "cephnfs"
    # read, enable, ls until loaded (twice), create, read
    assert [c["prefix"] for c, dummy in t.sent] == ["nfs cluster ls", "mgr module enable", "nfs cluster ls",
                                                    "nfs cluster ls", "nfs cluster create", "nfs cluster ls"]


def test_check_mode_predicts_both_commands_with_the_module_off(capsys):
    t = mgr_with_module_off()
    failed, res = run_module(CephNfsCluster, {"name": "cephnfs"}, t, capsys, check_mode=True)
    assert not failed and res["changed"] is True
    assert res["commands"] == ["ceph mgr module enable --module nfs", "ceph nfs cluster create --cluster_id cephnfs"]
    assert [c["prefix"] for c, dummy in t.sent] == ["nfs cluster ls"]


def test_a_cluster_found_once_the_module_is_on_is_not_created_again(capsys, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    t = mgr_with_module_off(existing=["cephnfs"], loading_answers=0)
    failed, res = run_module(CephNfsCluster, {"name": "cephnfs"}, t, capsys)
    assert failed and "it exists, and was not created again" in res["msg"]
    assert "nfs cluster create" not in [c["prefix"] for c, dummy in t.sent]
    failed, res = run_module(CephNfsCluster, {"name": "cephnfs"}, t, capsys)
    assert not failed and res["changed"] is False

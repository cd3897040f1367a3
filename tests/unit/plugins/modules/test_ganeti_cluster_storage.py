"""ganeti_cluster_storage and its gnt runner on recorded Ganeti 3.0 output (Debian 12, the lab's
single-node cluster with the rbd template enabled, cluster pool rec-pool, and node group rec-rack2
with pool rec-rack-pool and kernelspace access): what the reads find, and ``commands`` equal to
the argv that ran, in check mode and for real."""
import os

import pytest
from ansible_collections.cephstack.cloud.plugins.module_utils.ganeti_runner import GanetiMasterDown, GntRunner
from ansible_collections.cephstack.cloud.plugins.module_utils.command_runner import Invalid
from ansible_collections.cephstack.cloud.plugins.modules.ganeti_cluster_storage import GanetiClusterStorage
from tests.unit.helpers import FIXTURES, FakeAnsibleModule, answer_commands, run_module


def recorded(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return f.read()


class FakeGnt(object):
    """gnt-cluster and gnt-group answering from their recorded output; modify calls succeed."""

    def __init__(self, answers=None):
        self.ran = []
        self.answers = answers or {}

    def __call__(self, argv, **kwargs):
        argv = [os.path.basename(argv[4])] + list(argv[5:])     # after timeout -k 2 N
        self.ran.append(argv)
        key = " ".join(argv[:2])
        if key in self.answers:
            return self.answers[key]
        if key == "gnt-cluster info":
            return 0, recorded("gnt_cluster_info.yaml"), ""
        if key == "gnt-group info":
            return 0, recorded("gnt_group_info.yaml"), ""
        if argv[1] == "modify":
            return 0, "", ""
        raise AssertionError("unexpected gnt call %r" % argv)

    def writes(self):
        return [" ".join(a) for a in self.ran if a[1] == "modify"]


@pytest.fixture
def gnt(monkeypatch):
    return answer_commands(monkeypatch, FakeGnt())


def run(args, capsys, check_mode=False):
    return run_module(GanetiClusterStorage, args, None, capsys, check_mode=check_mode, diff=True)


def test_the_reads_of_recorded_output():
    runner = GntRunner(FakeAnsibleModule(FakeGnt()))
    info = runner.cluster_info()
    assert info["enabled_disk_templates"] == ["diskless", "rbd"] == info["ipolicy_disk_templates"]
    assert info["enabled_hypervisors"] == ["fake"]
    assert info["diskparams"]["rbd"] == {"access": "kernelspace", "pool": "rec-pool"}
    # a group's own values only: "default (...)" is inherited from the cluster
    groups = runner.groups_info(["default", "rec-rack2"])
    assert groups["default"]["rbd"] == {}
    assert groups["rec-rack2"]["rbd"] == {"access": "kernelspace", "pool": "rec-rack-pool"}
    assert runner.call_count == 2 and runner.commands == []


def test_errors_keep_ganetis_words():
    runner = GntRunner(FakeAnsibleModule(FakeGnt({"gnt-cluster modify": (1, "", recorded("gnt_invalid.err"))})))
    with pytest.raises(Invalid) as e:
        runner.modify_cluster(["-D", "rbd:bogus=1"]).run()
    assert "Unknown parameter 'bogus'" in str(e.value)
    # a master whose daemons are stopped does not answer: seen as timeout's 124 after the limit
    runner = GntRunner(FakeAnsibleModule(FakeGnt({"gnt-cluster info": (124, "", "")})), timeout=20)
    with pytest.raises(GanetiMasterDown) as e:
        runner.cluster_info()
    assert "did not answer within timeout=20 s" in str(e.value)


def test_check_then_apply_reports_what_ran(gnt, capsys):
    args = dict(disk_templates=["rbd"], rbd_pool="ganeti", rbd_access="userspace",
                node_groups=[dict(name="rec-rack2", rbd_pool="ganeti-g1")])
    failed, check = run(args, capsys, check_mode=True)
    assert not failed and check["changed"] and gnt.writes() == []
    expected = ["gnt-cluster modify -D rbd:pool=ganeti,access=userspace",
                "gnt-group modify -D rbd:pool=ganeti-g1 rec-rack2"]
    assert check["commands"] == expected
    failed, real = run(args, capsys)
    assert not failed and real["commands"] == expected == gnt.writes()


def test_nothing_to_do_reads_twice_and_runs_nothing(gnt, capsys):
    args = dict(disk_templates=["rbd"], rbd_pool="rec-pool", rbd_access="kernelspace",
                node_groups=[dict(name="rec-rack2", rbd_pool="rec-rack-pool")])
    failed, res = run(args, capsys)
    assert not failed and not res["changed"] and res["commands"] == [] and res["gnt_calls"] == 2
    assert gnt.writes() == []


def test_absent_resets_a_group_to_the_clusters_values(gnt, capsys):
    failed, res = run(dict(disk_templates=["rbd"], state="absent", node_groups=[dict(name="rec-rack2")]), capsys)
    assert not failed and res["commands"] == gnt.writes()
    assert res["commands"][0] == "gnt-cluster modify --enabled-disk-templates=diskless --ipolicy-disk-templates=diskless"
    assert res["commands"][1].startswith("gnt-group modify -D rbd:") and res["commands"][1].endswith(" rec-rack2")

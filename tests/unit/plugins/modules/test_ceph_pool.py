"""ceph_pool's decisions, replayed against the lab's recorded `osd pool ls detail`."""
import copy
import json

import pytest

from ansible_collections.cephstack.cloud.plugins.modules.ceph_pool import CephPool
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_commands import READS, describe
from tests.unit.helpers import JsonRecordedTransport, RecordedTransport, fixture, run_module

# In the recording: images/volumes/backups/vms, size 1, pg_num 8, autoscale off, rbd, initialised.
POOLS = fixture("osd_pool_ls_detail.json")
INITIALISED = ["%s/rbd_info" % p["pool_name"] for p in POOLS]


def transport(pools=None, objects=INITIALISED):
    return RecordedTransport({"osd pool ls": pools if pools is not None else POOLS,
                              "osd crush rule dump": fixture("osd_crush_rule_dump.json")}, objects)


def with_pool(name, **changes):
    pools = copy.deepcopy(POOLS)
    for p in pools:
        if p["pool_name"] == name:
            p.update(changes)
    return pools


def test_matching_pool_is_one_batched_read_and_no_change(capsys):
    t = transport()
    failed, res = run_module(CephPool, dict(name="images", pg_num=8, size=1, min_size=1, application="rbd",
                                            crush_rule="replicated_rule"), t, capsys)
    assert not failed and res["changed"] is False and res["commands"] == []
    assert [c["prefix"] for c, inbuf in t.sent] == ["osd pool ls", "osd crush rule dump"]


def test_size_change_sets_only_size(capsys):
    t = transport()
    failed, res = run_module(CephPool, dict(name="vms", size=2, pg_num=8), t, capsys)
    assert res["changed"] and res["commands"] == ["ceph osd pool set --pool vms --val 2 --var size"]


def test_check_mode_predicts_without_writing(capsys):
    t = transport()
    failed, res = run_module(CephPool, dict(name="vms", size=2, min_size=2, quota_max_objects=100), t, capsys,
                             check_mode=True, diff=True)
    assert res["changed"]
    assert len(res["commands"]) == 3
    assert [c["prefix"] for c, inbuf in t.sent] == ["osd pool ls"]
    assert res["diff"]["before"]["size"] == 1 and res["diff"]["after"]["size"] == 2
    assert res["pool"]["min_size"] == 2 and res["pool"]["quota_max_objects"] == 100


def test_lowering_size_sets_min_size_first(capsys):
    t = transport(with_pool("vms", size=3, min_size=2))
    failed, res = run_module(CephPool, dict(name="vms", size=1, min_size=1), t, capsys)
    assert res["commands"] == ["ceph osd pool set --pool vms --val 1 --var min_size",
                               "ceph osd pool set --pool vms --val 1 --var size --yes_i_really_mean_it"]
    assert any("size=1 keeps a single copy" in str(w) for w in res["warnings"])


def test_pg_num_ignored_under_autoscale_warns(capsys):
    t = transport(with_pool("vms", pg_autoscale_mode="on"))
    failed, res = run_module(CephPool, dict(name="vms", pg_num=64), t, capsys)
    assert not res["changed"]
    assert any("pg_num=64 ignored" in str(w) for w in res["warnings"])


def test_missing_rbd_init_heals(capsys):
    t = transport(objects=[])
    failed, res = run_module(CephPool, dict(name="images", application="rbd"), t, capsys)
    assert res["changed"] and res["commands"] == ["rbd pool init images"]


def test_new_pool_create_then_settings(capsys):
    t = transport()
    failed, res = run_module(CephPool, dict(name="newpool", pg_num=16, size=2, min_size=1, application="rbd",
                                            quota_max_bytes="1G"), t, capsys, check_mode=True)
    assert res["commands"] == [
        "ceph osd pool create --pg_num 16 --pgp_num 16 --pool newpool --pool_type replicated --size 2",
        "ceph osd pool set --pool newpool --val 1 --var min_size",
        "ceph osd pool set-quota --field max_bytes --pool newpool --val 1073741824",
        "ceph osd pool application enable --app rbd --pool newpool",
        "rbd pool init newpool",
    ]


def test_absent(capsys):
    t = transport()
    removed = [p for p in POOLS if p["pool_name"] != "vms"]
    t.answers["osd pool ls"] = lambda cmd: (0, json.dumps(
        removed if any(c["prefix"] == "osd pool rm" for c, inbuf in t.sent) else POOLS), "")
    failed, res = run_module(CephPool, dict(name="vms", state="absent"), t, capsys)
    assert res["changed"] and res["pool"] == {}
    assert [c["prefix"] for c, inbuf in t.sent] == ["osd pool ls", "osd pool rm", "osd pool ls"]
    # commands is the description of the command that was sent, arguments included
    sent = next(c for c, inbuf in t.sent if c["prefix"] == "osd pool rm")
    assert res["commands"] == [describe(sent)] == ["ceph osd pool rm --pool vms --pool2 vms --yes_i_really_really_mean_it"]


def test_absent_forbidden_by_mon_is_explained(capsys):
    t = transport()
    t.answers["osd pool rm"] = (1, "", "pool deletion is disabled; you must first set the "
                                "mon_allow_pool_delete config option to true before you can destroy a pool")
    failed, res = run_module(CephPool, dict(name="vms", state="absent"), t, capsys)
    assert failed and "mon_allow_pool_delete=true" in res["msg"]


@pytest.mark.parametrize("args, words", [
    (dict(name="bad/name"), ["name=", "not a valid pool name"]),
    (dict(name="p", pg_num=0), ["pg_num must be at least 1"]),
    (dict(name="p", size=1, min_size=2), ["min_size (2) must not exceed size (1)"]),
    (dict(name="p", pg_num=8, pgp_num=16), ["pgp_num (16) must not exceed pg_num (8)"]),
    (dict(name="p", quota_max_bytes="lots"), ["quota_max_bytes"]),
    (dict(name="p", pool_type="erasure", size=3), ["size is set by the erasure code profile"]),
    (dict(name="p", allow_ec_overwrites=True), ["allow_ec_overwrites applies only to pool_type=erasure"]),
    (dict(name="images", crush_rule="nope"), ["crush_rule='nope' does not exist", "replicated_rule"]),
    (dict(name="images", pool_type="erasure"), ["pool_type=erasure cannot be changed"]),
    (dict(name="images", application="rgw"), ["already has application rbd"]),
])
def test_bad_input_names_the_option(capsys, args, words):
    failed, res = run_module(CephPool, args, transport(), capsys)
    assert failed
    for w in words:
        assert w in res["msg"]


def test_unknown_application_rejected_by_choices(capsys):
    failed, res = run_module(CephPool, dict(name="p", application="nfs"), transport(), capsys)
    assert failed and "application" in res["msg"] and "rbd, rgw, cephfs" in res["msg"]


# The lab's leader mon, and the osd_pool_default_* part of its config show-with-defaults (size 1,
# min_size 1, autoscale off, all from its ceph.conf).
QUORUM = fixture("quorum_status.json")
POOL_DEFAULTS = fixture("config_show_with_defaults_osd_pool_default.json")


def with_default(name, value):
    shown = copy.deepcopy(POOL_DEFAULTS)
    for option in shown:
        if option["name"] == name:
            option.update(value=value, source="default")
    return shown


def defaults_transport(shown=POOL_DEFAULTS):
    t = transport()
    t.answers.update({"quorum_status": QUORUM, "config show-with-defaults": shown})
    return t


def test_new_pool_prediction_takes_the_leaders_defaults(capsys):
    t = defaults_transport()
    failed, res = run_module(CephPool, dict(name="newpool"), t, capsys, check_mode=True)
    assert not failed and res["changed"]
    assert res["commands"] == ["ceph osd pool create --pool newpool --pool_type replicated"]
    assert (res["pool"]["size"], res["pool"]["min_size"], res["pool"]["pg_autoscale_mode"]) == (1, 1, "off")
    assert res["pool"]["pool_id"] == "(known after apply)"
    show = [c for c, inbuf in t.sent if c["prefix"] == "config show-with-defaults"]
    assert [c["prefix"] for c, inbuf in t.sent] == ["osd pool ls", "quorum_status", "config show-with-defaults"]
    assert show[0]["who"] == "mon." + QUORUM["quorum_leader_name"]


@pytest.mark.parametrize("default_min_size, size, want", [("0", 3, 2), ("0", 2, 1), ("2", 3, 2), ("2", 1, 1)])
def test_new_pool_min_size_follows_the_monitors_rule(capsys, default_min_size, size, want):
    t = defaults_transport(with_default("osd_pool_default_min_size", default_min_size))
    failed, res = run_module(CephPool, dict(name="newpool", size=size), t, capsys, check_mode=True)
    assert res["pool"]["size"] == size and res["pool"]["min_size"] == want


def test_new_pool_min_size_equal_to_the_default_is_not_set_again(capsys):
    t = defaults_transport()
    failed, res = run_module(CephPool, dict(name="newpool", min_size=1, pg_autoscale_mode="on"), t, capsys,
                             check_mode=True)
    assert res["commands"] == ["ceph osd pool create --autoscale_mode on --pool newpool --pool_type replicated"]
    assert res["pool"]["pg_autoscale_mode"] == "on"


def test_new_pool_defaults_unreadable_stay_unknown_with_a_warning(capsys):
    t = defaults_transport()
    t.answers["config show-with-defaults"] = (13, "", "access denied")
    failed, res = run_module(CephPool, dict(name="newpool"), t, capsys, check_mode=True)
    assert not failed and res["pool"]["size"] == res["pool"]["pg_autoscale_mode"] == "(known after apply)"
    assert any("defaults of new pools could not be read" in str(w) and "access denied" in str(w)
               for w in res["warnings"])


def test_erasure_pool_sizes_stay_unknown(capsys):
    failed, res = run_module(CephPool, dict(name="ec", pool_type="erasure"), defaults_transport(), capsys,
                             check_mode=True)
    assert res["pool"]["size"] == res["pool"]["min_size"] == "(known after apply)"
    assert res["pool"]["pg_autoscale_mode"] == "off"


@pytest.mark.parametrize("check_mode", [False, True])
def test_librados_commands_are_the_json_sent(capsys, check_mode):
    """With librados, ``commands`` holds each write's JSON text exactly as it went to the monitors
    (in check mode: as it would), then the librbd call; the reads are not listed."""
    t = JsonRecordedTransport({"osd pool ls": POOLS, "osd crush rule dump": fixture("osd_crush_rule_dump.json")},
                              INITIALISED)
    failed, res = run_module(CephPool, dict(name="newpool", pg_num=8, size=1, application="rbd"), t, capsys,
                             check_mode=check_mode)
    assert not failed and res["changed"] and res["transport"] == "librados"
    written = ["%s_command %s" % (daemon, text) for daemon, text in t.texts if json.loads(text)["prefix"] not in READS]
    assert json.loads(res["commands"][0][len("mon_command "):]) == dict(
        prefix="osd pool create", pool="newpool", pool_type="replicated", pg_num=8, pgp_num=8, size=1, format="json")
    assert res["commands"][-1] == "librbd pool_init newpool"
    if check_mode:
        assert written == [] and t.pool_inits == [] and len(res["commands"]) >= 3
    else:
        assert res["commands"] == written + ["librbd pool_init newpool"] and len(written) >= 2
        assert t.pool_inits == ["newpool"]

"""ceph_health_info on recorded lab output: one batch of reads, facts and the Ganeti report."""
import copy

import jsonschema
import pytest

from ansible_collections.cephstack.cloud.plugins.modules.ceph_health_info import (
    CephHealthInfo, ganeti_report, health_facts)
from tests.unit.ganeti_report_schema import GANETI_STATUS_REPORT
from tests.unit.helpers import RecordedTransport, fixture, run_module

# Recorded from a lab whose pools want 2 and 3 copies on one OSD: HEALTH_WARN, PG_DEGRADED.
STATUS = fixture("status_degraded.json")
DF = fixture("df_detail.json")
VERSION = {"version": "ceph version 16.2.15 (618f440892089921c3e944a991122ddc44e60516) pacific (stable)"}
GANETI_FIELDS = {"name", "version", "format_version", "timestamp", "category", "kind", "data"}


def transport():
    return RecordedTransport({"status": STATUS, "df": DF, "version": VERSION})


def test_facts_from_one_batch_of_reads(capsys):
    t = transport()
    failed, res = run_module(CephHealthInfo, {}, t, capsys)
    assert not failed and res["changed"] is False and res["commands"] == []
    assert [c["prefix"] for c, dummy in t.sent] == ["status", "df"]
    assert res["health"]["status"] == "HEALTH_WARN"
    assert res["health"]["checks"]["PG_DEGRADED"]["severity"] == "HEALTH_WARN"
    assert res["pgs"]["total"] == sum(res["pgs"]["by_state"].values()) == 40
    assert res["osds"] == {"total": 1, "up": 1, "in": 1}
    assert res["quorum"] == {"names": ["a"], "num_mons": 1}
    assert set(res["pools"]) == {p["name"] for p in DF["pools"]}
    assert res["pools"]["volumes"]["quota_bytes"] == 0 and res["pools"]["volumes"]["objects"] == 1


def test_ganeti_report_has_the_collector_fields(capsys):
    failed, res = run_module(CephHealthInfo, dict(format="ganeti"), transport(), capsys)
    report = res["report"]
    jsonschema.validate(report, GANETI_STATUS_REPORT)
    assert set(report) == GANETI_FIELDS
    assert report["name"] == "ceph" and report["version"] == "16.2.15" and report["format_version"] == 1
    assert report["category"] == "storage" and report["kind"] == 1
    assert isinstance(report["timestamp"], int) and report["timestamp"] > 1.7e18
    # undersized PGs on one OSD do not recover by themselves
    assert report["data"]["status"] == {"code": 2, "message": "HEALTH_WARN: PG_DEGRADED"}
    assert "health" not in res


def test_the_schema_refuses_a_bare_status_code():
    report = ganeti_report(health_facts(STATUS, DF), "16.2.15", 1)
    report["data"]["status"] = 2
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, GANETI_STATUS_REPORT)


def health(status, checks=(), pgs=None):
    recorded = copy.deepcopy(STATUS)
    recorded["health"] = {"status": status, "checks": dict((c, {"severity": "HEALTH_WARN"}) for c in checks)}
    if pgs is not None:
        recorded["pgmap"]["pgs_by_state"] = [{"state_name": state, "count": 8} for state in pgs]
    if status is None:
        del recorded["health"]
    return health_facts(recorded, DF)


@pytest.mark.parametrize("facts, code, message", [
    (health("HEALTH_OK"), 0, "HEALTH_OK"),
    (health("HEALTH_WARN", ["PG_DEGRADED"], ["active+recovering+degraded"]), 1, "HEALTH_WARN: PG_DEGRADED"),
    (health("HEALTH_WARN", ["OBJECT_MISPLACED"], ["active+remapped+backfilling"]), 1,
     "HEALTH_WARN: OBJECT_MISPLACED"),
    (health("HEALTH_WARN", ["PG_DEGRADED"], ["active+undersized+degraded"]), 2, "HEALTH_WARN: PG_DEGRADED"),
    (health("HEALTH_WARN", ["OSD_DOWN", "PG_DEGRADED"], ["active+recovering+degraded"]), 2,
     "HEALTH_WARN: OSD_DOWN, PG_DEGRADED"),
    (health("HEALTH_ERR", ["MON_DISK_CRIT"]), 2, "HEALTH_ERR: MON_DISK_CRIT"),
    (health(None), 4, "no health status"),
])
def test_status_codes_follow_ganeti(facts, code, message):
    report = ganeti_report(facts, "16.2.15", 1)
    jsonschema.validate(report, GANETI_STATUS_REPORT)
    assert report["data"]["status"] == {"code": code, "message": message}

"""ceph_health_info on recorded lab output: one batch of reads, facts and the Ganeti report."""
import json

from ansible_collections.cephstack.cloud.plugins.modules.ceph_health_info import (
    CephHealthInfo, ganeti_report, health_facts)
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
    assert set(report) == GANETI_FIELDS
    assert report["name"] == "ceph" and report["version"] == "16.2.15" and report["format_version"] == 1
    assert report["category"] == "storage" and report["kind"] == 1
    assert isinstance(report["timestamp"], int) and report["timestamp"] > 1.7e18
    assert report["data"]["status"] == 2 and report["data"]["message"] == "HEALTH_WARN: PG_DEGRADED"
    assert "health" not in res


def test_status_codes_follow_ganeti():
    for health, code in (("HEALTH_OK", 0), ("HEALTH_WARN", 2), ("HEALTH_ERR", 4)):
        status = json.loads(json.dumps(STATUS))
        status["health"] = {"status": health, "checks": {}}
        report = ganeti_report(health_facts(status, DF), "16.2.15", 1)
        assert report["data"]["status"] == code and report["data"]["message"] == health

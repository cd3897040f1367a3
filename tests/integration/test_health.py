"""ceph_health_info against a lab of its own with two OSDs: healthy, then a pool
over its quota, then a stopped OSD, and the Ganeti data collector report of that state."""
import os
import signal
import time

import jsonschema
import pytest

from tests.integration.conftest import TOP, ceph_json, run_module, sh, wait_for
from tests.unit.ganeti_report_schema import GANETI_STATUS_REPORT

HEALTH_LAB = "/var/tmp/cephstack-health-lab"
GANETI_FIELDS = {"name", "version", "format_version", "timestamp", "category", "kind", "data"}


def pg_states():
    summary = ceph_json("pg", "stat", lab=HEALTH_LAB)["pg_summary"]
    return summary["num_pgs"], {s["name"]: s["num"] for s in summary["num_pg_by_state"]}


def health():
    return run_module("ceph_health_info", dict(conf=os.path.join(HEALTH_LAB, "ceph.conf")))


@pytest.fixture(scope="module")
def two_osd_lab():
    lab_cmd = os.path.join(TOP, "lab", "ceph-lab")
    sh(lab_cmd, "stop", "--dir", HEALTH_LAB, "--purge")
    started = sh(lab_cmd, "start", "--dir", HEALTH_LAB, "--v2-port", "3394", "--v1-port", "6794",
                 "--store", "memstore", "--osds", "2")
    assert started.returncode == 0, started.stderr
    yield HEALTH_LAB
    sh(lab_cmd, "stop", "--dir", HEALTH_LAB, "--purge")


def test_c_health_quota_and_stopped_osd(two_osd_lab):
    ceph_json("osd", "pool", "create", "hq", "8", "8", "replicated", "--size", "2", lab=HEALTH_LAB)
    ceph_json("osd", "pool", "application", "enable", "hq", "rbd", lab=HEALTH_LAB)
    wait_for(lambda: pg_states()[1] == {"active+clean": pg_states()[0]}, what="active+clean")

    ok = health()
    assert ok["changed"] is False and ok["commands"] == [] and ok["ceph_calls"] == 2
    assert ok["health"] == {"status": "HEALTH_OK", "checks": {}}
    assert ok["osds"] == {"total": 2, "up": 2, "in": 2}
    assert ok["quorum"] == {"names": ["a"], "num_mons": 1}
    assert set(ok["pgs"]["by_state"]) == {"active+clean"}
    assert ok["pools"]["hq"]["quota_objects"] == 0

    # A pool over its quota shows in the checks, with its quota in the pool's facts.
    ceph_json("osd", "pool", "set-quota", "hq", "max_objects", "2", lab=HEALTH_LAB)
    for name in ("a", "b"):
        assert sh("timeout", "10", "rados", "--conf", os.path.join(HEALTH_LAB, "ceph.conf"), "-p", "hq",
                  "put", name, "/etc/hostname").returncode == 0
    wait_for(lambda: "POOL_FULL" in ceph_json("health", lab=HEALTH_LAB)["checks"], what="POOL_FULL")
    full = health()
    assert full["health"]["status"] == "HEALTH_WARN"
    assert "POOL_FULL" in full["health"]["checks"], full["health"]
    assert "hq" in full["health"]["checks"]["POOL_FULL"]["summary"] or full["health"]["checks"]["POOL_FULL"]["count"]
    assert full["pools"]["hq"]["quota_objects"] == 2 and full["pools"]["hq"]["objects"] == 2
    ceph_json("osd", "pool", "set-quota", "hq", "max_objects", "0", lab=HEALTH_LAB)
    wait_for(lambda: "POOL_FULL" not in ceph_json("health", lab=HEALTH_LAB)["checks"], what="POOL_FULL cleared")

    # A stopped OSD: down, and the size-2 pool's PGs degraded.
    with open(os.path.join(HEALTH_LAB, "pids", "osd.1.pid")) as f:
        os.kill(int(f.read()), signal.SIGTERM)
    wait_for(lambda: ceph_json("osd", "stat", lab=HEALTH_LAB)["num_up_osds"] == 1, what="osd.1 down")
    wait_for(lambda: any("degraded" in state for state in pg_states()[1]), what="degraded PGs")
    down = health()
    assert down["osds"] == {"total": 2, "up": 1, "in": 2}
    assert "OSD_DOWN" in down["health"]["checks"]
    assert any("degraded" in state for state in down["pgs"]["by_state"]), down["pgs"]
    assert sum(down["pgs"]["by_state"].values()) == down["pgs"]["total"]

    # The same state as a Ganeti data collector report.
    report = run_module("ceph_health_info", dict(conf=os.path.join(HEALTH_LAB, "ceph.conf"), format="ganeti"))["report"]
    jsonschema.validate(report, GANETI_STATUS_REPORT)
    assert set(report) == GANETI_FIELDS
    assert report["name"] == "ceph" and report["version"].startswith("16.2.")
    assert report["format_version"] == 1 and report["kind"] == 1 and report["category"] == "storage"
    assert abs(report["timestamp"] / 1e9 - time.time()) < 120
    assert report["data"]["status"]["code"] == 2 and "OSD_DOWN" in report["data"]["status"]["message"]
    assert report["data"]["osds"]["up"] == 1

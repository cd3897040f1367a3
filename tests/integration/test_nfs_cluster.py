"""ceph_nfs_cluster on the lab's mgr: check mode, apply, re-run on both transports, from a mgr whose
nfs module is off. Reef and later list NFS clusters from RADOS without an orchestrator; Pacific's
mgr needs one, and the module says so."""
import pytest

from tests.integration.conftest import RELEASE, ceph_cli, ceph_reads, cli_words, run_module
from tests.integration.test_check_mode import check_then_apply, conn


def nfs_world():
    """The mgr modules that are on, and the NFS clusters the mgr lists (None: its nfs module is off)."""
    modules, clusters = ceph_reads(("mon", {"prefix": "mgr module ls"}), ("mgr", {"prefix": "nfs cluster ls"}))
    return dict(enabled=sorted(modules["enabled_modules"]), clusters=clusters)


@pytest.mark.release
@pytest.mark.skipif(RELEASE == "pacific", reason="Ceph 16.2's mgr lists NFS clusters only through an orchestrator")
def test_ceph_nfs_cluster_check_apply_rerun(workdir, libvirt_uri):
    def step(args):
        return check_then_apply("ceph_nfs_cluster", conn(**args), "nfs_cluster", workdir, libvirt_uri,
                                extra_world=nfs_world)
    assert ceph_cli("mgr", "module", "disable", "nfs").returncode == 0
    r = step(dict(name="it-nfs"))
    assert [cli_words(c) for c in r["commands"]] == ["ceph mgr module enable --module nfs",
                                                     "ceph nfs cluster create --cluster_id it-nfs"]
    assert r["commands"][1] == 'mgr_command {"prefix": "nfs cluster create", "cluster_id": "it-nfs", "format": "json"}'

    assert r["nfs_cluster"] == {"name": "it-nfs", "pool": ".nfs", "namespace": "it-nfs",
                                "config_object": "conf-nfs.it-nfs"}
    assert "it-nfs" in nfs_world()["clusters"]
    r = step(dict(name="it-nfs", transport="cli"))
    assert r["changed"] is False and r["ceph_calls"] == 1
    r = step(dict(name="it-nfs-cli", transport="cli"))
    assert r["commands"] == ["ceph nfs cluster create --cluster_id it-nfs-cli"]
    assert {"it-nfs", "it-nfs-cli"} <= set(nfs_world()["clusters"])
    # the cluster's pool, made by the mgr for its NFS application
    pools = ceph_reads(("mon", {"prefix": "osd pool ls", "detail": "detail"}))[0]
    assert [p["application_metadata"] for p in pools if p["pool_name"] == ".nfs"] == [{"nfs": {}}]


@pytest.mark.skipif(RELEASE != "pacific", reason="the later releases' mgr lists NFS clusters without an orchestrator")
def test_ceph_nfs_cluster_names_a_mgr_that_needs_an_orchestrator():
    assert ceph_cli("mgr", "module", "enable", "nfs").returncode == 0
    r = run_module("ceph_nfs_cluster", conn(name="it-nfs"), expect_failure=True)
    assert "lists NFS clusters only through an orchestrator" in r["msg"] and "No orchestrator configured" in r["msg"]

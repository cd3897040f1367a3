"""The options a base class gives every Ceph module are checked in the validate step, before a
runner is made or anything is read, and the message names the option."""
import pytest

from ansible_collections.cephstack.cloud.plugins.module_utils import ceph_module
from ansible_collections.cephstack.cloud.plugins.modules.ceph_cluster_info import CephClusterInfo
from ansible_collections.cephstack.cloud.plugins.modules.ceph_pool import CephPool
from tests.unit.helpers import run_module


@pytest.fixture
def runners_made(monkeypatch):
    made = []

    def refuse(self):
        made.append(type(self).__name__)
        raise AssertionError("a runner was made before the options were checked")
    monkeypatch.setattr(ceph_module.CephResourceModule, "make_runner", refuse)
    return made


@pytest.mark.parametrize("args, message", [
    (dict(connect_timeout=0), "connect_timeout must be at least 1 second, got 0"),
    (dict(keep_connection_seconds=-1), "keep_connection_seconds must be 0 (a connection per task) or more, got -1"),
    (dict(conf="/nonexistent-dir/ceph.conf"),
     "conf=/nonexistent-dir/ceph.conf does not exist (cluster 'ceph'); give the path of the cluster's ceph.conf"),
    (dict(client_keyring="/nonexistent-dir/k", client_name="client.glance"),
     "client_keyring=/nonexistent-dir/k does not exist (cluster 'ceph'); give the path of the cluster's "
     "keyring for client.glance"),
])
def test_a_bad_connection_option_fails_before_a_runner_is_made(runners_made, capsys, args, message):
    failed, res = run_module(CephClusterInfo, args, None, capsys)
    assert failed and res["msg"] == message and res["commands"] == []
    assert runners_made == []


def test_librados_without_python3_rados_is_named(runners_made, monkeypatch, capsys):
    monkeypatch.setattr(ceph_module, "HAS_RADOS", False)
    failed, res = run_module(CephPool, dict(name="images", transport="librados"), None, capsys)
    assert failed and res["msg"].startswith("transport=librados, but python3-rados does not import")
    assert runners_made == []


def test_the_module_checks_come_after_the_shared_ones(runners_made, capsys):
    """ceph_pool's own check of pg_num never runs when a shared option is already wrong."""
    failed, res = run_module(CephPool, dict(name="images", pg_num=0, connect_timeout=0), None, capsys)
    assert failed and res["msg"] == "connect_timeout must be at least 1 second, got 0"
    failed, res = run_module(CephPool, dict(name="images", pg_num=0), None, capsys)
    assert failed and "pg_num" in res["msg"] and runners_made == []

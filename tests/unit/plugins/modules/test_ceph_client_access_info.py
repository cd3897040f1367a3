"""ceph_client_access_info: a client key checked by itself, with a keyring of the task's own."""
import errno
import os
import stat

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_errors import error_for
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_runner import CephRunner
from ansible_collections.cephstack.cloud.plugins.modules import ceph_client_access_info as module
from tests.unit.helpers import RecordedTransport, run_module

KEY = "AQBzkWZnAAAAABAAjaM7p1Ia3vvY9aNrj5bKnQ=="
FSID = "0d6c9f2a-3f0e-4b8e-9c71-1f1d1c2d9e11"
MON_HOST = "[v2:10.0.0.1:3300,v1:10.0.0.1:6789]"


class PoolTransport(RecordedTransport):
    """Pool volumes is readable, backups is not (EPERM), as librados answers a stat."""

    def object_exists(self, pool, name):
        if pool == "backups":
            raise error_for(errno.EPERM, "error stat-ing backups/%s: (1) Operation not permitted" % name)
        return False


def test_pools_readable_denied_or_missing_from_one_batch(capsys):
    t = PoolTransport({"mon dump": {"fsid": FSID}, "osd pool ls": ["volumes", "backups"]})
    failed, res = run_module(module.CephClientAccessInfo, dict(pools=["volumes", "backups", "gone"]), t, capsys)
    assert not failed and res["changed"] is False and res["commands"] == []
    assert res["fsid"] == FSID and res["ceph_calls"] == 4
    assert res["pools"] == {"volumes": "readable", "backups": "denied", "gone": "missing"}
    assert [c["prefix"] for c, dummy in t.sent] == ["mon dump", "osd pool ls"]


def test_the_key_lives_in_a_private_keyring_for_the_task_only(capsys, monkeypatch):
    seen = {}

    def runner_for(ansible_module, connection, transport):
        for name, path in (("keyring", connection.keyring), ("conf", connection.conf)):
            with open(path) as f:
                seen[name] = (f.read(), stat.S_IMODE(os.stat(path).st_mode), stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode))
        seen["paths"] = (connection.keyring, connection.conf)
        seen["described"] = connection.describe()
        return CephRunner(RecordedTransport({"mon dump": {"fsid": FSID}}))
    monkeypatch.setattr(module.CephRunner, "for_module", staticmethod(runner_for))
    failed, res = run_module(module.CephClientAccessInfo, dict(client_name="client.cinder", key=" %s\n" % KEY,
                                                               mon_host=MON_HOST), None, capsys)
    assert not failed and res["fsid"] == FSID and res["pools"] == {}
    assert seen["keyring"] == ("[client.cinder]\n\tkey = %s\n" % KEY, 0o600, 0o700)
    assert seen["conf"] == ("[global]\nmon host = %s\n" % MON_HOST, 0o600, 0o700)
    assert seen["described"] == "Ceph cluster 'ceph' as client.cinder (mon host %s)" % MON_HOST
    assert not any(os.path.exists(p) for p in seen["paths"]) and not os.path.exists(os.path.dirname(seen["paths"][0]))
    assert KEY not in capsys.readouterr().out


def test_a_refused_key_is_explained_and_its_keyring_removed(capsys, monkeypatch):
    made = []

    class Refusing(RecordedTransport):
        def mon_command(self, command, inbuf=b""):
            raise error_for(errno.EACCES, "cannot connect to Ceph cluster 'ceph' as client.cinder: [errno 13] "
                                          "RADOS permission denied (error connecting to the cluster)")

    def runner_for(ansible_module, connection, transport):
        made.append(connection.keyring)
        return CephRunner(Refusing())
    monkeypatch.setattr(module.CephRunner, "for_module", staticmethod(runner_for))
    failed, res = run_module(module.CephClientAccessInfo, dict(client_name="client.cinder", key=KEY), None, capsys)
    assert failed and res["msg"].endswith("the monitors refused client.cinder: its key is not the one the cluster "
                                          "holds, or the cluster has no such user")
    assert made and not os.path.exists(made[0])

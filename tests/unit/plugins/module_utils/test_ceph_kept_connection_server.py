"""The kept-open connection's server, run in a thread on a fake librados that answers with the
lab's recorded output, and asked through the real client over its Unix socket."""
import errno
import json
import os
import sys
import threading
import types

import pytest

from ansible_collections.cephstack.cloud.plugins.module_utils import ceph_kept_connection_client as client_side
from ansible_collections.cephstack.cloud.plugins.module_utils import ceph_kept_connection_server as server_side
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_kept_connection_client import (
    KeptConnectionClient, ServerUnavailable, wait_ready)
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_runner import Connection
from tests.unit.helpers import FIXTURES


class RadosError(Exception):
    def __init__(self, message, errno=None):     # pylint: disable=redefined-outer-name
        super(RadosError, self).__init__(message)
        self.errno = errno


class ObjectNotFound(RadosError):
    pass


class RecordedCluster(object):
    """A connected librados handle: answers are (rc, out bytes, outs) by prefix, or an error to raise."""

    def __init__(self, answers, objects, keyring):
        self.answers, self.objects, self.keyring = answers, objects, keyring
        self.sent = []
        self.shut = False

    def _answer(self, daemon, command, inbuf, timeout):
        prefix = json.loads(command)["prefix"]
        self.sent.append((daemon, prefix, inbuf, timeout))
        answer = self.answers[prefix]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def mon_command(self, command, inbuf, timeout=0):
        return self._answer("mon", command, inbuf, timeout)

    def mgr_command(self, command, inbuf, timeout=0):
        return self._answer("mgr", command, inbuf, timeout)

    def open_ioctx(self, pool):
        cluster = self

        class Ioctx(object):
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

            def stat(self, name):
                if "%s/%s" % (pool, name) not in cluster.objects:
                    raise ObjectNotFound("no such object", errno.ENOENT)
                return (4096, 0)
        return Ioctx()

    def conf_get(self, name):
        return self.keyring if name == "keyring" else None

    def shutdown(self):
        self.shut = True


@pytest.fixture
def served(monkeypatch, tmp):
    """A server on a recorded cluster, in a thread; yields (client, cluster, thread, conf path)."""
    monkeypatch.setattr(server_side, "POLL_SECONDS", 0.05)
    conf, keyring = os.path.join(tmp, "ceph.conf"), os.path.join(tmp, "admin.keyring")
    for path in (conf, keyring):
        with open(path, "w") as f:
            f.write("[global]\n")
    with open(os.path.join(FIXTURES, "osd_pool_ls_detail.json"), "rb") as f:
        pools = f.read()
    cluster = RecordedCluster({"osd pool ls": (0, pools, ""),
                               "auth get": (-errno.ENOENT, b"", "failed to find client.nobody in keyring"),
                               "fs volume ls": (0, b"[]", ""),
                               "status": RadosError("timed out", errno.ETIMEDOUT)},
                              objects={"images/rbd_info"}, keyring=keyring)
    monkeypatch.setitem(sys.modules, "rados", types.SimpleNamespace(Error=RadosError, ObjectNotFound=ObjectNotFound))
    monkeypatch.setattr(server_side, "connect_rados", lambda rados, connection: cluster)
    client = KeptConnectionClient(Connection(conf=conf, connect_timeout=3), keep_seconds=1)
    ready_read, ready_write = os.pipe()
    server = server_side.KeptConnectionServer(client.connection, client.socket_path, client.lock_path,
                                              client.keep_seconds, ready_write)
    thread = threading.Thread(target=server.run)
    thread.start()
    try:
        assert wait_ready(ready_read, 5) is True
        yield client, cluster, thread, conf
    finally:
        server.stopping = True
        thread.join(5)
        os.close(ready_read)


def mon(client, prefix, inbuf=b""):
    return client.call({"op": "mon", "command": json.dumps({"prefix": prefix, "format": "json"}),
                        "inbuf": client_side.encode(inbuf)})


def test_the_recorded_answer_reaches_the_client_byte_for_byte(served):
    client, cluster, thread, conf = served
    reply = mon(client, "osd pool ls", b"stdin bytes")
    with open(os.path.join(FIXTURES, "osd_pool_ls_detail.json"), "rb") as f:
        assert client_side.decode(reply["out"]) == f.read()
    assert reply["rc"] == 0
    assert cluster.sent == [("mon", "osd pool ls", b"stdin bytes", 3)]     # connect_timeout bounds the command


def test_errors_keep_their_errno_and_words(served):
    client, cluster, thread, conf = served
    reply = mon(client, "auth get")
    assert (reply["rc"], reply["outs"]) == (errno.ENOENT, "failed to find client.nobody in keyring")
    reply = mon(client, "status")
    assert reply["rc"] == errno.ETIMEDOUT and reply["raised"] is True and reply["outs"] == "timed out"


def test_mgr_commands_go_to_the_manager_and_stat_reads_objects(served):
    client, cluster, thread, conf = served
    reply = client.call({"op": "mgr", "command": json.dumps({"prefix": "fs volume ls"}), "inbuf": ""})
    assert reply["rc"] == 0 and cluster.sent[-1][:2] == ("mgr", "fs volume ls")
    assert client.call({"op": "stat", "pool": "images", "name": "rbd_info"})["rc"] == 0
    assert client.call({"op": "stat", "pool": "vms", "name": "rbd_info"})["rc"] == errno.ENOENT


def test_a_changed_conf_makes_the_server_stale_and_stop(served):
    client, cluster, thread, conf = served
    assert mon(client, "osd pool ls")["rc"] == 0
    with open(conf, "a") as f:
        f.write("mon host = 127.0.0.2\n")
    with pytest.raises(ServerUnavailable):      # not run: this task connects on its own
        mon(client, "osd pool ls")
    thread.join(5)
    assert not thread.is_alive() and cluster.shut
    assert [s[1] for s in cluster.sent] == ["osd pool ls"]
    assert not os.path.exists(client.socket_path) and not os.path.exists(client.lock_path)


def test_an_idle_server_stops_after_keep_seconds_and_cleans_up(served):
    client, cluster, thread, conf = served
    assert os.path.exists(client.socket_path)
    thread.join(5)      # keep_seconds=1
    assert not thread.is_alive() and cluster.shut
    assert not os.path.exists(client.socket_path) and not os.path.exists(client.lock_path)


def test_a_second_server_for_the_same_connection_does_not_start(served):
    client, cluster, thread, conf = served
    ready_read, ready_write = os.pipe()
    second = server_side.KeptConnectionServer(client.connection, client.socket_path, client.lock_path, 1, ready_write)
    second.run()        # the lock is held: it returns at once, and closes the pipe unanswered
    try:
        assert wait_ready(ready_read, 1) is False
    finally:
        os.close(ready_read)
    assert mon(client, "osd pool ls")["rc"] == 0     # the first one still serves

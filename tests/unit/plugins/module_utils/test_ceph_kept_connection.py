"""The kept-open connection's client side, without a cluster: where the socket may live, which
server a connection maps to, the wire format, and what a task does when no server answers or a
server answers and dies. (The server itself runs against the lab: test_session.py.)"""
import os
import socket
import threading

import pytest

from ansible_collections.cephstack.cloud.plugins.module_utils import ceph_kept_connection_client as client_side
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_runner import Connection, KeptConnectionTransport
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_kept_connection_client import (
    KeptConnectionClient, ServerLost, ServerUnavailable, server_name, socket_dir)


def test_the_session_directory_is_private_or_refused(tmp):
    path = socket_dir()
    assert path == os.path.join(tmp, "cephstack-sessions-%d" % os.getuid())
    assert os.stat(path).st_mode & 0o777 == 0o700
    os.chmod(path, 0o755)                  # open to others: not used
    assert socket_dir() is None
    os.rmdir(path)
    os.symlink(tmp, path)                  # a symlink: not used
    assert socket_dir() is None


def test_one_server_per_connection_identity():
    base = Connection("ceph", "/etc/ceph/ceph.conf", "client.admin", None, 10)
    assert server_name(base) == server_name(Connection("ceph", "/etc/ceph/ceph.conf", "client.admin", None, 10))
    for other in (Connection("backup", "/etc/ceph/ceph.conf", "client.admin", None, 10),
                  Connection("ceph", "/etc/ceph/other.conf", "client.admin", None, 10),
                  Connection("ceph", "/etc/ceph/ceph.conf", "client.ops", None, 10),
                  Connection("ceph", "/etc/ceph/ceph.conf", "client.admin", "/root/admin.keyring", 10),
                  Connection("ceph", "/etc/ceph/ceph.conf", "client.admin", None, 5)):
        assert server_name(other) != server_name(base)


def test_no_server_means_the_command_was_not_sent(tmp):
    client = KeptConnectionClient(Connection(conf="/nonexistent/ceph.conf"), keep_seconds=30)
    with pytest.raises(ServerUnavailable):
        client.call({"op": "mon", "command": "{}", "inbuf": ""})


def serve_once(path, answer):
    """A fake server on ``path`` that reads one request and answers with ``answer(request)``."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    seen = []

    def run():
        conn, dummy = listener.accept()
        seen.append(client_side.recv_message(conn))
        reply = answer(seen[-1])
        if reply is not None:
            client_side.send_message(conn, reply)
        conn.close()
        listener.close()
    worker = threading.Thread(target=run)
    worker.start()
    return worker, seen


def test_a_reply_round_trips_bytes_and_a_stale_server_is_not_used(tmp):
    client = KeptConnectionClient(Connection(conf="/etc/ceph/ceph.conf"), keep_seconds=30)
    answer = {"rc": 0, "out": client_side.encode(b"\x00key"), "outs": ""}
    worker, seen = serve_once(client.socket_path, lambda req: answer)
    reply = client.call({"op": "mon", "command": "{\"prefix\": \"auth get\"}", "inbuf": client_side.encode(b"in")})
    worker.join()
    assert client_side.decode(reply["out"]) == b"\x00key"
    assert client_side.decode(seen[0]["inbuf"]) == b"in"

    os.unlink(client.socket_path)
    worker, seen = serve_once(client.socket_path, lambda req: {"stale": True})
    with pytest.raises(ServerUnavailable):
        client.call({"op": "mon", "command": "{}", "inbuf": ""})
    worker.join()


def test_a_server_that_takes_the_command_and_dies_is_lost_and_forgotten(tmp):
    client = KeptConnectionClient(Connection(conf="/etc/ceph/ceph.conf", connect_timeout=1), keep_seconds=30)
    worker, seen = serve_once(client.socket_path, lambda req: None)      # closes without an answer
    with pytest.raises(ServerLost):
        client.call({"op": "mon", "command": "{\"prefix\": \"osd pool create\"}", "inbuf": ""})
    worker.join()
    assert seen, "the command reached the server"
    assert not os.path.exists(client.socket_path), "the next run must start a fresh server"


def test_a_temp_directory_too_long_for_a_socket_turns_the_session_off(monkeypatch, tmp_path):
    deep = tmp_path / ("d" * 80)
    deep.mkdir()
    monkeypatch.setattr(client_side.tempfile, "gettempdir", lambda: str(deep))
    client = KeptConnectionClient(Connection(conf="/etc/ceph/ceph.conf"), keep_seconds=30)
    assert client.socket_path is None
    with pytest.raises(ServerUnavailable):
        client.call({"op": "mon", "command": "{}", "inbuf": ""})


def ready_pipe(written):
    """The read end of a pipe holding ``written``, closed as a server closes it."""
    read_end, write_end = os.pipe()
    if written:
        os.write(write_end, written)
    os.close(write_end)
    return read_end


@pytest.mark.parametrize("written, outcome", [
    (client_side.READY, True),     # it listens: this task sends its commands there too
    (b"", False),                   # it did not run (another server holds the lock): connect itself
])
def test_the_first_task_learns_whether_its_server_listens(tmp, written, outcome):
    fd = ready_pipe(written)
    try:
        assert client_side.wait_ready(fd, 6) is outcome
    finally:
        os.close(fd)


def test_a_server_that_cannot_connect_passes_on_librados_error(tmp):
    fd = ready_pipe(b'{"errno": 110, "message": "[errno 110] RADOS timed out (error connecting to the cluster)"}')
    try:
        with pytest.raises(client_side.ServerFailed) as e:
            client_side.wait_ready(fd, 6)
    finally:
        os.close(fd)
    assert e.value.errno == 110 and "RADOS timed out" in str(e.value) and not e.value.waited


def test_a_server_that_never_answers_fails_after_connect_timeout(tmp, monkeypatch):
    monkeypatch.setattr(client_side.time, "monotonic", iter([0.0, 7.0]).__next__)
    read_end, write_end = os.pipe()     # a server that holds the pipe open and says nothing
    try:
        with pytest.raises(client_side.ServerFailed) as e:
            client_side.wait_ready(read_end, 6)
    finally:
        os.close(read_end)
        os.close(write_end)
    assert e.value.waited and e.value.errno == 110


class ScriptedClient(object):
    """Stands in for KeptConnectionClient: each call() takes the next outcome, a reply or an exception."""

    def __init__(self, outcomes):
        self.outcomes = list(outcomes)

    def call(self, request):
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


@pytest.mark.parametrize("outcomes, starts, served, reported", [
    ([{"rc": 0}, {"rc": 0}], False, [True, True], "reused"),
    ([ServerUnavailable("none"), {"rc": 0}, {"rc": 0}], True, [True, True], "started"),
    # another server holds the lock: this task connects itself
    ([ServerUnavailable("none")], False, [False, False], "off"),
    # the server went stale between the task's two commands
    ([{"rc": 0}, ServerUnavailable("stale")], False, [True, False], "off"),
])
def test_the_connection_reported_is_the_one_that_served_the_task(outcomes, starts, served, reported):
    transport = KeptConnectionTransport(Connection(conf="/etc/ceph/ceph.conf"))
    transport.client = ScriptedClient(outcomes)
    transport._start_server = lambda: starts
    got = [transport._ask({"op": "mon", "command": "{}"}) is not None for dummy in served]
    assert got == served and transport.session == reported

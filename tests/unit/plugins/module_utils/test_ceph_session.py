"""The kept-open connection's client side, without a cluster: where the socket may live, which
helper a connection maps to, the wire format, and what a task does when no helper answers or a
helper answers and dies. (The helper itself runs against the lab: test_session.py.)"""
import os
import shutil
import socket
import tempfile
import threading

import pytest

from ansible_collections.cephstack.cloud.plugins.module_utils import ceph_session
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_runner import Connection, SessionTransport
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_session import (
    SessionClient, SessionLost, SessionUnavailable, session_dir, session_name)


@pytest.fixture
def tmp(monkeypatch):
    """A short temp directory: Unix socket paths are limited to 107 bytes."""
    path = tempfile.mkdtemp(prefix="cs-", dir="/tmp")
    monkeypatch.setattr(ceph_session.tempfile, "gettempdir", lambda: path)
    yield path
    shutil.rmtree(path)


def test_the_session_directory_is_private_or_refused(tmp):
    path = session_dir()
    assert path == os.path.join(tmp, "cephstack-sessions-%d" % os.getuid())
    assert os.stat(path).st_mode & 0o777 == 0o700
    os.chmod(path, 0o755)                  # open to others: not used
    assert session_dir() is None
    os.rmdir(path)
    os.symlink(tmp, path)                  # a symlink: not used
    assert session_dir() is None


def test_one_helper_per_connection_identity():
    base = Connection("ceph", "/etc/ceph/ceph.conf", "client.admin", None, 10)
    assert session_name(base) == session_name(Connection("ceph", "/etc/ceph/ceph.conf", "client.admin", None, 10))
    for other in (Connection("backup", "/etc/ceph/ceph.conf", "client.admin", None, 10),
                  Connection("ceph", "/etc/ceph/other.conf", "client.admin", None, 10),
                  Connection("ceph", "/etc/ceph/ceph.conf", "client.ops", None, 10),
                  Connection("ceph", "/etc/ceph/ceph.conf", "client.admin", "/root/admin.keyring", 10),
                  Connection("ceph", "/etc/ceph/ceph.conf", "client.admin", None, 5)):
        assert session_name(other) != session_name(base)


def test_no_helper_means_the_command_was_not_sent(tmp):
    client = SessionClient(Connection(conf="/nonexistent/ceph.conf"), keep_seconds=30)
    with pytest.raises(SessionUnavailable):
        client.call({"op": "mon", "command": "{}", "inbuf": ""})


def serve_once(path, answer):
    """A fake helper on ``path`` that reads one request and answers with ``answer(request)``."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    seen = []

    def run():
        conn, dummy = listener.accept()
        seen.append(ceph_session._recv(conn))
        reply = answer(seen[-1])
        if reply is not None:
            ceph_session._send(conn, reply)
        conn.close()
        listener.close()
    worker = threading.Thread(target=run)
    worker.start()
    return worker, seen


def test_a_reply_round_trips_bytes_and_a_stale_helper_is_not_used(tmp):
    client = SessionClient(Connection(conf="/etc/ceph/ceph.conf"), keep_seconds=30)
    answer = {"rc": 0, "out": ceph_session.encode(b"\x00key"), "outs": ""}
    worker, seen = serve_once(client.socket_path, lambda req: answer)
    reply = client.call({"op": "mon", "command": "{\"prefix\": \"auth get\"}", "inbuf": ceph_session.encode(b"in")})
    worker.join()
    assert ceph_session.decode(reply["out"]) == b"\x00key"
    assert ceph_session.decode(seen[0]["inbuf"]) == b"in"

    os.unlink(client.socket_path)
    worker, seen = serve_once(client.socket_path, lambda req: {"stale": True})
    with pytest.raises(SessionUnavailable):
        client.call({"op": "mon", "command": "{}", "inbuf": ""})
    worker.join()


def test_a_helper_that_takes_the_command_and_dies_is_lost_and_forgotten(tmp):
    client = SessionClient(Connection(conf="/etc/ceph/ceph.conf", connect_timeout=1), keep_seconds=30)
    worker, seen = serve_once(client.socket_path, lambda req: None)      # closes without an answer
    with pytest.raises(SessionLost):
        client.call({"op": "mon", "command": "{\"prefix\": \"osd pool create\"}", "inbuf": ""})
    worker.join()
    assert seen, "the command reached the helper"
    assert not os.path.exists(client.socket_path), "the next run must start a fresh helper"


def test_a_temp_directory_too_long_for_a_socket_turns_the_session_off(monkeypatch, tmp_path):
    deep = tmp_path / ("d" * 80)
    deep.mkdir()
    monkeypatch.setattr(ceph_session.tempfile, "gettempdir", lambda: str(deep))
    client = SessionClient(Connection(conf="/etc/ceph/ceph.conf"), keep_seconds=30)
    assert client.socket_path is None
    with pytest.raises(SessionUnavailable):
        client.call({"op": "mon", "command": "{}", "inbuf": ""})


def ready_pipe(written):
    """The read end of a pipe holding ``written``, closed as a helper closes it."""
    read_end, write_end = os.pipe()
    if written:
        os.write(write_end, written)
    os.close(write_end)
    return read_end


@pytest.mark.parametrize("written, outcome", [
    (ceph_session.READY, True),     # it listens: this task sends its commands there too
    (b"", False),                   # it did not run (another helper holds the lock): connect itself
])
def test_the_first_task_learns_whether_its_helper_listens(tmp, written, outcome):
    client = SessionClient(Connection(conf="/etc/ceph/ceph.conf"), keep_seconds=30)
    fd = ready_pipe(written)
    try:
        assert client._wait_ready(fd) is outcome
    finally:
        os.close(fd)


def test_a_helper_that_cannot_connect_passes_on_librados_error(tmp):
    client = SessionClient(Connection(conf="/etc/ceph/ceph.conf"), keep_seconds=30)
    fd = ready_pipe(b'{"errno": 110, "message": "[errno 110] RADOS timed out (error connecting to the cluster)"}')
    try:
        with pytest.raises(ceph_session.HelperFailed) as e:
            client._wait_ready(fd)
    finally:
        os.close(fd)
    assert e.value.errno == 110 and "RADOS timed out" in str(e.value) and not e.value.waited


def test_a_helper_that_never_answers_fails_after_connect_timeout(tmp, monkeypatch):
    client = SessionClient(Connection(conf="/etc/ceph/ceph.conf", connect_timeout=1), keep_seconds=30)
    monkeypatch.setattr(ceph_session.time, "monotonic", iter([0.0, 7.0]).__next__)
    read_end, write_end = os.pipe()     # a helper that holds the pipe open and says nothing
    try:
        with pytest.raises(ceph_session.HelperFailed) as e:
            client._wait_ready(read_end)
    finally:
        os.close(read_end)
        os.close(write_end)
    assert e.value.waited and e.value.errno == 110


class ScriptedClient(object):
    """Stands in for SessionClient: each call() takes the next outcome, a reply or an exception."""

    def __init__(self, outcomes, starts):
        self.outcomes = list(outcomes)
        self.starts = starts

    def call(self, request):
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def start_helper(self):
        return self.starts


@pytest.mark.parametrize("outcomes, starts, served, reported", [
    ([{"rc": 0}, {"rc": 0}], False, [True, True], "reused"),
    ([SessionUnavailable("none"), {"rc": 0}, {"rc": 0}], True, [True, True], "started"),
    # another helper holds the lock: this task connects itself
    ([SessionUnavailable("none")], False, [False, False], "off"),
    # the helper went stale between the task's two commands
    ([{"rc": 0}, SessionUnavailable("stale")], False, [True, False], "off"),
])
def test_the_connection_reported_is_the_one_that_served_the_task(outcomes, starts, served, reported):
    transport = SessionTransport(Connection(conf="/etc/ceph/ceph.conf"))
    transport.client = ScriptedClient(outcomes, starts)
    got = [transport._ask({"op": "mon", "command": "{}"}) is not None for dummy in served]
    assert got == served and transport.session == reported

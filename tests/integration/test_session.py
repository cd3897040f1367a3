"""The kept-open librados connection (keep_connection_seconds), against the lab:
the next task reuses it, a changed keyring or conf retires it, idle time ends it, 0 (the default)
starts none, and the helper keeps to its own user and directory."""
import os
import shutil
import socket
import stat
import struct
import tempfile
import time

import pytest

from tests.integration.conftest import LAB, all_keys, detached_pythons, run_marker, run_module, write_dead_cluster_conf

CONF = os.path.join(LAB, "ceph.conf")
SESSIONS = os.path.join(tempfile.gettempdir(), "cephstack-sessions-%d" % os.getuid())


def info(keyring, env=None, **extra):
    """A read whose connection identity is this test's own keyring copy: no other test's helper."""
    args = dict(conf=CONF, client_keyring=keyring, connect_timeout=7)
    args.update(extra)
    return run_module("ceph_cluster_info", args, env=env)


def helpers():
    """{socket path: helper pid} for every helper that answers in the session directory."""
    found = {}
    for name in os.listdir(SESSIONS) if os.path.isdir(SESSIONS) else []:
        path = os.path.join(SESSIONS, name)
        if not name.endswith(".sock"):
            continue
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            found[path] = struct.unpack("3i", s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[0]
        except OSError:
            pass
        finally:
            s.close()
    return found


def gone(pid, within):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not os.path.exists("/proc/%d" % pid):
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def keyring(lab, tmp_path):
    path = str(tmp_path / "ceph.client.admin.keyring")
    shutil.copy(os.path.join(LAB, "ceph.client.admin.keyring"), path)
    os.chmod(path, 0o600)
    return path


def test_the_second_task_reuses_the_first_tasks_connection(keyring):
    before = set(helpers())
    marker, processes_before = run_marker(), set(os.listdir("/proc"))
    first = info(keyring, keep_connection_seconds=30, env=marker)
    assert first["connection"] == "started"
    # The first task waited until its helper listened, and sent its own commands there.
    new = [p for p in helpers() if p not in before]
    assert len(new) == 1, new
    # test_whole_run's detector of processes left behind finds this one
    assert [line.split()[0] for line in detached_pythons(processes_before, marker)] == [str(helpers()[new[0]])]
    second = info(keyring, keep_connection_seconds=30)
    assert second["connection"] == "reused"
    assert second["fsid"] == first["fsid"] and second["ceph_calls"] == first["ceph_calls"]

    # The helper: the user's own 0700 directory, a 0600-class socket, no key on its command line.
    st = os.lstat(SESSIONS)
    assert stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) == 0o700
    pid = helpers()[new[0]]
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        argv = f.read().decode("utf-8", "replace")
    assert not any(k in argv for k in all_keys())
    # Its stdio is /dev/null, so ansible never waits on it.
    assert all(os.readlink("/proc/%d/fd/%d" % (pid, fd)) == "/dev/null" for fd in (0, 1, 2))

    # A changed keyring retires it before it runs anything. The next task starts a fresh helper, or,
    # while the retiring one still holds the lock, connects itself.
    os.utime(keyring, (time.time() + 5, time.time() + 5))
    third = info(keyring, keep_connection_seconds=30)
    assert third["connection"] in ("started", "off") and third["fsid"] == first["fsid"]
    assert gone(pid, within=3), "the stale helper %d still runs" % pid


def test_a_helper_that_cannot_connect_fails_the_task_once_with_librados_message(tmp_path):
    """The first task's helper reports its connect error, so the task does not try the cluster a
    second time itself: one connect_timeout, not two, and no helper is left behind."""
    dead = str(tmp_path / "dead.conf")
    write_dead_cluster_conf(dead)
    before = helpers()
    elapsed = {}
    for keep in (0, 30):    # 0: the task connects itself, the reference
        started = time.monotonic()
        res = run_module("ceph_cluster_info", dict(conf=dead, connect_timeout=3, keep_connection_seconds=keep),
                         expect_failure=True)
        elapsed[keep] = time.monotonic() - started
        assert "cannot connect to Ceph cluster 'ceph' as client.admin (conf %s): [errno 110]" % dead in res["msg"]
    assert elapsed[30] < elapsed[0] + 1.5, elapsed
    assert helpers() == before


def test_an_idle_helper_ends_and_the_default_and_0_start_none(keyring):
    before = helpers()
    assert info(keyring)["connection"] == "off"
    assert info(keyring, keep_connection_seconds=0)["connection"] == "off"
    time.sleep(1)
    assert helpers() == before

    # 6 s idle: long enough that a loaded machine still sees the helper before it ends.
    assert info(keyring, keep_connection_seconds=6)["connection"] == "started"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not set(helpers()) - set(before):
        time.sleep(0.1)
    new = set(helpers()) - set(before)
    assert len(new) == 1
    pid = helpers()[new.pop()]
    assert gone(pid, within=6 + 4), "the helper outlived keep_connection_seconds"
    assert set(helpers()) == set(before)

# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The helper of the kept-open librados connection (see ceph_session), and the librados connect
both it and a task that connects itself use.

Only the standard library and librados are imported here, and this module is loaded before the
fork: the helper outlives the module's payload directory.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import fcntl
import json
import os
import re
import socket
import threading
import time

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_session import (
    READY, _peer_uid, _recv, _send, decode, encode)

POLL_SECONDS = 1.0


def detach(keep_fd):
    """Leave the module's stdio (ansible reads the module's stdout until every writer has closed
    it) and every other descriptor but ``keep_fd``, the readiness pipe."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.closerange(3, keep_fd)
    os.closerange(keep_fd + 1, 65536)
    os.chdir("/")
    os.umask(0o077)


# librados' own log lines: "2026-12-02T02:05:52.713+0000 7f3a... -1 <message>"
LOG_PREFIX = re.compile(r"^\S+ [0-9a-f]+ +-?\d+ ")
KEY_TEXT = re.compile(r"\bA[Qg][A-Za-z0-9+/]{30,}={0,2}")
AES256K_HINT = ("clients older than Ceph 19.2.6 and 20.2.4 cannot read aes256k keys (Ag...): install newer "
                "client packages on this host, or give its user an aes key (ceph_auth key_type=aes)")


def connect_rados(rados, connection):
    """A connected librados handle with the connection's timeouts. librados explains a failed
    connect only on stderr (a key it cannot parse, a keyring it cannot read): that text, keys
    redacted, is added to the error."""
    timeout = str(connection.connect_timeout)
    conf = {"client_mount_timeout": timeout, "rados_mon_op_timeout": timeout, "rados_osd_op_timeout": timeout,
            "err_to_stderr": "true"}
    if connection.keyring:
        conf["keyring"] = connection.keyring
    with StderrCapture() as stderr:
        try:
            cluster = rados.Rados(clustername=connection.cluster, name=connection.client_name,
                                  conffile=connection.conf or "", conf=conf)
            cluster.connect(timeout=connection.connect_timeout)
            cluster.conf_set("err_to_stderr", "false")
            return cluster
        except rados.Error as e:
            error = e
    cause = librados_cause(stderr.text)
    if not cause:
        raise error
    message = error.args[0] if error.args else str(error)
    raise rados.Error("%s; librados said: %s" % (message, cause), errno=getattr(error, "errno", None))


def librados_cause(text):
    """librados' last error lines, without log prefixes and keys, with a hint for aes256k keys."""
    lines = []
    for line in (text or "").splitlines():
        line = KEY_TEXT.sub("<redacted>", LOG_PREFIX.sub("", line.strip()))
        if line and line not in lines:
            lines.append(line)
    cause = "; ".join(lines[-3:])
    if "Malformed input" in cause and "type=key" in cause:
        cause += " (%s)" % AES256K_HINT
    return cause


class StderrCapture(object):
    """fd 2 into memory (memfd, never a file on disk: the text may hold a key) for a block."""

    def __init__(self):
        self.text = ""
        self.saved = self.memfd = None

    def __enter__(self):
        if hasattr(os, "memfd_create"):
            try:
                self.memfd = os.memfd_create("cephstack-stderr")
                self.saved = os.dup(2)
                os.dup2(self.memfd, 2)
            except OSError:
                self.memfd = self.saved = None
        return self

    def __exit__(self, *exc):
        if self.saved is not None:
            os.dup2(self.saved, 2)
            os.close(self.saved)
            os.lseek(self.memfd, 0, os.SEEK_SET)
            data = b""
            while len(data) < 65536:
                chunk = os.read(self.memfd, 65536)
                if not chunk:
                    break
                data += chunk
            os.close(self.memfd)
            self.text = data.decode("utf-8", "replace")
        return False


class Helper(object):
    """The detached process: one librados connection, served until idle or stale."""

    def __init__(self, connection, socket_path, lock_path, keep_seconds, ready_fd=None):
        self.connection = connection
        self.ready_fd = ready_fd
        self.socket_path = socket_path
        self.lock_path = lock_path
        self.keep_seconds = keep_seconds
        self.cluster = None
        self.watched = {}
        self.busy = 0
        self.last_request = time.monotonic()
        self.stopping = False
        self.guard = threading.Lock()

    def run(self):
        lock = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._tell(None)    # another helper runs, or is starting, for this connection
            return
        try:
            self._run_locked()
        except BaseException:
            self._tell(None)
            raise
        finally:
            if _signature(self.lock_path) and os.stat(self.lock_path).st_ino == os.fstat(lock).st_ino:
                os.unlink(self.lock_path)   # before the lock is released with the process
            os.close(lock)

    def _run_locked(self):
        import rados    # pylint: disable=import-error
        self.rados = rados
        try:
            self.cluster = connect_rados(rados, self.connection)
        except rados.Error as e:
            self._tell(json.dumps({"errno": getattr(e, "errno", None) or errno.EIO, "message": str(e)}).encode("utf-8"))
            return
        try:
            self.watched = dict((path, _signature(path)) for path in self._files_read())
            try:
                os.unlink(self.socket_path)
            except OSError:
                pass
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(self.socket_path)
            listener.listen(64)
            listener.settimeout(POLL_SECONDS)
            inode = os.stat(self.socket_path).st_ino
            self._tell(READY)
            try:
                self._serve(listener, inode)
            finally:
                if _signature(self.socket_path) and os.stat(self.socket_path).st_ino == inode:
                    os.unlink(self.socket_path)
                listener.close()
        finally:
            self.cluster.shutdown()

    def _tell(self, message):
        """Answer the task that started this helper, once; None closes the pipe unanswered."""
        if self.ready_fd is None:
            return
        try:
            if message:
                os.write(self.ready_fd, message)
        finally:
            os.close(self.ready_fd)
            self.ready_fd = None

    def _files_read(self):
        c = self.connection
        files = [c.conf or "/etc/ceph/%s.conf" % c.cluster]
        files += [p.strip() for p in (self.cluster.conf_get("keyring") or "").split(",") if p.strip()]
        return files

    def _serve(self, listener, inode):
        while not self.stopping:
            try:
                conn, dummy = listener.accept()
            except socket.timeout:
                st = _signature(self.socket_path)
                with self.guard:
                    idle = self.busy == 0 and time.monotonic() - self.last_request > self.keep_seconds
                if idle or not st or st[0] != inode:
                    return
                continue
            with self.guard:
                self.busy += 1
            worker = threading.Thread(target=self._handle, args=(conn,))
            worker.daemon = True
            worker.start()
        while True:     # stale: let running commands answer before the connection closes
            with self.guard:
                if self.busy == 0:
                    return
            time.sleep(0.01)

    def _handle(self, conn):
        try:
            conn.settimeout(self.connection.connect_timeout + 5)
            if _peer_uid(conn) != os.getuid():
                return
            request = _recv(conn)
            if self.stopping or any(_signature(p) != s for p, s in self.watched.items()):
                self.stopping = True
                _send(conn, {"stale": True})
                return
            _send(conn, self._run(request))
        except Exception:   # pylint: disable=broad-except
            pass
        finally:
            conn.close()
            with self.guard:
                self.busy -= 1
                self.last_request = time.monotonic()

    def _run(self, request):
        timeout = self.connection.connect_timeout
        try:
            if request["op"] == "stat":
                with self.cluster.open_ioctx(request["pool"]) as ioctx:
                    try:
                        ioctx.stat(request["name"])
                        return {"rc": 0, "out": "", "outs": ""}
                    except self.rados.ObjectNotFound:
                        return {"rc": errno.ENOENT, "out": "", "outs": ""}
            send = self.cluster.mgr_command if request["op"] == "mgr" else self.cluster.mon_command
            rc, out, outs = send(request["command"], decode(request["inbuf"]), timeout=timeout)
            return {"rc": -rc if rc < 0 else rc, "out": encode(out), "outs": outs}
        except self.rados.Error as e:
            return {"rc": getattr(e, "errno", None) or errno.EIO, "out": "", "outs": str(e), "raised": True}


def _signature(path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)

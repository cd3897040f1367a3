# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kept-open librados connection's server: a detached process that holds one librados
connection and answers the mon and mgr commands of the tasks of one user (see
ceph_kept_connection_client). Its memory holds the client's key for as long as it runs.

Only the standard library and librados are imported here, and this module is loaded before the
fork: the server outlives the module's payload directory.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import fcntl
import json
import os
import socket
import threading
import time

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_kept_connection_client import (
    READY, decode, encode, peer_uid, recv_message, send_message, wait_ready)
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_librados import connect_rados

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


def start_server(client):
    """Fork a detached server for the client's connection and wait until it listens (its librados
    import and connect, about 30 ms), so that this task's commands go through it too. True when
    it listens; False when this task should connect itself (no private directory, or another
    server starting for the same connection). A server that cannot connect raises ServerFailed
    with librados' errno and message, so the cluster is tried once, not twice."""
    if not client.socket_path or client.keep_seconds <= 0:
        return False
    ready_read, ready_write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(ready_write)
        os.waitpid(pid, 0)
        try:
            return wait_ready(ready_read, client.connection.connect_timeout + 5)
        finally:
            os.close(ready_read)
    try:
        os.close(ready_read)
        os.setsid()
        if os.fork() == 0:
            detach(keep_fd=ready_write)
            KeptConnectionServer(client.connection, client.socket_path, client.lock_path, client.keep_seconds,
                                 ready_write).run()
    except BaseException:   # pylint: disable=broad-except
        pass
    finally:
        os._exit(0)     # never run the module's exit path (its payload cleanup) twice


class KeptConnectionServer(object):
    """One librados connection, served until idle or stale."""

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
            self._tell(None)    # another server runs, or is starting, for this connection
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
        """Answer the task that started this server, once; None closes the pipe unanswered."""
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
            if peer_uid(conn) != os.getuid():
                return
            request = recv_message(conn)
            if self.stopping or any(_signature(p) != s for p, s in self.watched.items()):
                self.stopping = True
                send_message(conn, {"stale": True})
                return
            send_message(conn, self._run(request))
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

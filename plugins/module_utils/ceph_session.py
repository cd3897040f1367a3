# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A librados connection kept open between tasks, like ssh's ControlPersist.

A module process pays about 16 ms to load librados and 12 ms to connect, on every task. The
first task on a host forks a helper that connects once and answers mon and mgr commands on a
Unix socket; the next tasks send their commands there (about 0.2 ms each).

Safety:
- the socket lives in a directory of the user's own, mode 0700, which is refused if it is a
  symlink, someone else's, or open to others; the helper answers only its own uid (SO_PEERCRED),
  and the client checks the helper's uid the same way;
- the helper stops after ``keep_seconds`` without a request, when its socket is removed, and
  when the conf file or a keyring it read changes (a rotated key, a rebuilt cluster). It then
  answers "stale" without running the command;
- a command is sent to the helper once: if the helper is gone before the command was sent, the
  module connects directly; if it is lost after, the module fails and never sends a write twice.

Only the standard library is imported here: the helper outlives the module's payload directory.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import errno
import fcntl
import hashlib
import json
import os
import socket
import stat
import struct
import tempfile
import threading
import time

HEADER = struct.Struct("!I")
PEER = struct.Struct("3i")      # struct ucred: pid, uid, gid
POLL_SECONDS = 1.0
MAX_SOCKET_PATH = 107


class SessionUnavailable(Exception):
    """No helper took the command: it was not run."""


class SessionLost(Exception):
    """The helper took the command and gave no answer: its outcome is unknown."""


def session_dir():
    """The user's private socket directory, or None when it is not safe to use."""
    path = os.path.join(tempfile.gettempdir(), "cephstack-sessions-%d" % os.getuid())
    try:
        os.mkdir(path, 0o700)
    except OSError as e:
        if e.errno != errno.EEXIST:
            return None
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        return None
    return path


def session_name(connection):
    """One helper per user, cluster, client, conf, keyring and timeout."""
    identity = [os.getuid(), connection.cluster, connection.client_name,
                os.path.abspath(connection.conf) if connection.conf else None,
                os.path.abspath(connection.keyring) if connection.keyring else None,
                connection.connect_timeout]
    return hashlib.sha256(json.dumps(identity).encode("utf-8")).hexdigest()[:32]


def _send(sock, message):
    data = json.dumps(message).encode("utf-8")
    sock.sendall(HEADER.pack(len(data)) + data)


def _recv(sock):
    head = _recv_exactly(sock, HEADER.size)
    return json.loads(_recv_exactly(sock, HEADER.unpack(head)[0]).decode("utf-8"))


def _recv_exactly(sock, size):
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError("the connection closed after %d of %d bytes" % (size - left, size))
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _peer_uid(sock):
    return PEER.unpack(sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, PEER.size))[1]


def encode(data):
    return base64.b64encode(data or b"").decode("ascii")


def decode(text):
    return base64.b64decode(text or "")


class SessionClient(object):
    """Sends one request per Unix-socket connection to the helper of one connection."""

    def __init__(self, connection, keep_seconds):
        self.connection = connection
        self.keep_seconds = keep_seconds
        directory = session_dir()
        name = session_name(connection)
        if directory and len(os.path.join(directory, name + ".sock").encode("utf-8")) > MAX_SOCKET_PATH:
            directory = None    # a long TMPDIR: Unix socket paths are limited to 107 bytes
        self.socket_path = os.path.join(directory, name + ".sock") if directory else None
        self.lock_path = os.path.join(directory, name + ".lock") if directory else None

    def call(self, request):
        if not self.socket_path:
            raise SessionUnavailable("no private session directory")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.connection.connect_timeout + 5)
        try:
            try:
                sock.connect(self.socket_path)
                if _peer_uid(sock) != os.getuid():
                    raise SessionUnavailable("the helper runs as another user")
                inode = os.stat(self.socket_path).st_ino
            except OSError as e:
                raise SessionUnavailable(str(e))
            try:
                _send(sock, request)
                reply = _recv(sock)
            except (OSError, EOFError, ValueError) as e:
                self._forget(inode)     # a hung helper must not catch the next run too
                raise SessionLost(str(e) or e.__class__.__name__)
        finally:
            sock.close()
        if reply.get("stale"):
            raise SessionUnavailable("the helper's conf or keyring changed")
        return reply

    def _forget(self, inode):
        try:
            if os.stat(self.socket_path).st_ino == inode:
                os.unlink(self.socket_path)
        except OSError:
            pass

    def start_helper(self):
        """Fork a detached helper; returns at once. The helper never returns into the module."""
        if not self.socket_path or self.keep_seconds <= 0:
            return
        pid = os.fork()
        if pid:
            os.waitpid(pid, 0)
            return
        try:
            os.setsid()
            if os.fork() == 0:
                _detach()
                Helper(self.connection, self.socket_path, self.lock_path, self.keep_seconds).run()
        except BaseException:   # pylint: disable=broad-except
            pass
        finally:
            os._exit(0)     # never run the module's exit path (its payload cleanup) twice


def _detach():
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)   # ansible reads the module's stdout until every writer has closed it
    os.closerange(3, 65536)
    os.chdir("/")
    os.umask(0o077)


def connect_rados(rados, connection):
    """A connected librados handle with the connection's timeouts."""
    timeout = str(connection.connect_timeout)
    conf = {"client_mount_timeout": timeout, "rados_mon_op_timeout": timeout, "rados_osd_op_timeout": timeout}
    if connection.keyring:
        conf["keyring"] = connection.keyring
    cluster = rados.Rados(clustername=connection.cluster, name=connection.client_name,
                          conffile=connection.conf or "", conf=conf)
    cluster.connect(timeout=connection.connect_timeout)
    return cluster


class Helper(object):
    """The detached process: one librados connection, served until idle or stale."""

    def __init__(self, connection, socket_path, lock_path, keep_seconds):
        self.connection = connection
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
            return      # another helper runs, or is starting, for this connection
        try:
            self._run_locked()
        finally:
            if _signature(self.lock_path) and os.stat(self.lock_path).st_ino == os.fstat(lock).st_ino:
                os.unlink(self.lock_path)   # before the lock is released with the process
            os.close(lock)

    def _run_locked(self):
        import rados    # pylint: disable=import-error
        self.rados = rados
        self.cluster = connect_rados(rados, self.connection)
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
            try:
                self._serve(listener, inode)
            finally:
                if _signature(self.socket_path) and os.stat(self.socket_path).st_ino == inode:
                    os.unlink(self.socket_path)
                listener.close()
        finally:
            self.cluster.shutdown()

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

# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kept-open librados connection, an accelerator that is off by default
(keep_connection_seconds: 0): the client side, and the wire protocol both sides speak.

A module process pays about 16 ms to load librados and 12 ms to connect, on every task. The
first task on a host forks a server that connects once and answers mon and mgr commands on a
Unix socket; that task waits until it listens and sends its own commands there too, and the
next tasks do the same (about 0.2 ms a command).

Safety:
- the socket lives in a directory of the user's own, mode 0700, which is refused if it is a
  symlink, someone else's, or open to others; the server answers only its own uid (SO_PEERCRED),
  and the client checks the server's uid the same way;
- the server stops after ``keep_seconds`` without a request, when its socket is removed, and
  when the conf file or a keyring it read changes (a rotated key, a rebuilt cluster). It then
  answers "stale" without running the command;
- a command is sent to the server once: if the server is gone before the command was sent, the
  module connects directly; if it is lost after, the module fails and never sends a write twice.

The server is in ceph_kept_connection_server, which only the task that starts one loads.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import errno
import hashlib
import json
import os
import select
import socket
import stat
import struct
import tempfile
import time

HEADER = struct.Struct("!I")
PEER = struct.Struct("3i")      # struct ucred: pid, uid, gid
MAX_SOCKET_PATH = 107
READY = b"ready"


class ServerUnavailable(Exception):
    """No server took the command: it was not run."""


class ServerLost(Exception):
    """The server took the command and gave no answer: its outcome is unknown."""


class ServerFailed(Exception):
    """The server started by this task could not connect; nothing was sent."""

    def __init__(self, code, message, waited=False):
        super(ServerFailed, self).__init__(message)
        self.errno = code
        self.waited = waited    # no answer within connect_timeout + 5 s, rather than librados' error


def socket_dir():
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


def server_name(connection):
    """One server per user, cluster, client, conf, keyring and timeout."""
    identity = [os.getuid(), connection.cluster, connection.client_name,
                os.path.abspath(connection.conf) if connection.conf else None,
                os.path.abspath(connection.keyring) if connection.keyring else None,
                connection.connect_timeout]
    return hashlib.sha256(json.dumps(identity).encode("utf-8")).hexdigest()[:32]


def send_message(sock, message):
    data = json.dumps(message).encode("utf-8")
    sock.sendall(HEADER.pack(len(data)) + data)


def recv_message(sock):
    head = recv_exactly(sock, HEADER.size)
    return json.loads(recv_exactly(sock, HEADER.unpack(head)[0]).decode("utf-8"))


def recv_exactly(sock, size):
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError("the connection closed after %d of %d bytes" % (size - left, size))
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def peer_uid(sock):
    return PEER.unpack(sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, PEER.size))[1]


def encode(data):
    return base64.b64encode(data or b"").decode("ascii")


def decode(text):
    return base64.b64decode(text or "")


class KeptConnectionClient(object):
    """Sends one request per Unix-socket connection to the server of one connection."""

    def __init__(self, connection, keep_seconds):
        self.connection = connection
        self.keep_seconds = keep_seconds
        directory = socket_dir()
        name = server_name(connection)
        if directory and len(os.path.join(directory, name + ".sock").encode("utf-8")) > MAX_SOCKET_PATH:
            directory = None    # a long TMPDIR: Unix socket paths are limited to 107 bytes
        self.socket_path = os.path.join(directory, name + ".sock") if directory else None
        self.lock_path = os.path.join(directory, name + ".lock") if directory else None

    def call(self, request):
        if not self.socket_path:
            raise ServerUnavailable("no private session directory")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.connection.connect_timeout + 5)
        try:
            try:
                sock.connect(self.socket_path)
                if peer_uid(sock) != os.getuid():
                    raise ServerUnavailable("the server runs as another user")
                inode = os.stat(self.socket_path).st_ino
            except OSError as e:
                raise ServerUnavailable(str(e))
            try:
                send_message(sock, request)
                reply = recv_message(sock)
            except (OSError, EOFError, ValueError) as e:
                self._forget(inode)     # a hung server must not catch the next run too
                raise ServerLost(str(e) or e.__class__.__name__)
        finally:
            sock.close()
        if reply.get("stale"):
            raise ServerUnavailable("the server's conf or keyring changed")
        return reply

    def _forget(self, inode):
        try:
            if os.stat(self.socket_path).st_ino == inode:
                os.unlink(self.socket_path)
        except OSError:
            pass


def wait_ready(fd, seconds):
    """The server writes READY once it listens, or a JSON error if it cannot connect; it
    closes the pipe without a word when it does not run (another server holds the lock)."""
    deadline = time.monotonic() + seconds
    data = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise ServerFailed(errno.ETIMEDOUT, "the connection server did not connect", waited=True)
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    if data == READY:
        return True
    if data:
        failure = json.loads(data.decode("utf-8"))
        raise ServerFailed(failure["errno"], failure["message"])
    return False

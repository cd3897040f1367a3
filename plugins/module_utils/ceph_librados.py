# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The librados transport (the default): one connection per task, opened on first use.

The connect is shared with the kept-open connection's server (ceph_kept_connection_server).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import os

try:
    from importlib.util import find_spec
except ImportError:     # Python 2: ansible-test's compile check only
    find_spec = None

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_commands import command_json
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_errors import error_for, librados_cause

# Found without loading it: librados is loaded (~16 ms) only by a task that connects itself,
# and rbd only when a pool is initialised.
HAS_RADOS = bool(find_spec and find_spec("rados"))
rados = None


def import_rados():
    global rados    # pylint: disable=global-statement
    if rados is None:
        import rados as module     # pylint: disable=import-error
        rados = module
    return rados


def connect_rados(rados_module, connection):
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
            cluster = rados_module.Rados(clustername=connection.cluster, name=connection.client_name,
                                         conffile=connection.conf or "", conf=conf)
            cluster.connect(timeout=connection.connect_timeout)
            cluster.conf_set("err_to_stderr", "false")
            return cluster
        except rados_module.Error as e:
            error = e
    cause = librados_cause(stderr.text)
    if not cause:
        raise error
    message = error.args[0] if error.args else str(error)
    raise rados_module.Error("%s; librados said: %s" % (message, cause), errno=getattr(error, "errno", None))


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


class LibradosTransport(object):
    name = "librados"
    session = "off"
    sends_json = True       # ``commands`` shows each command's JSON as sent

    def __init__(self, connection):
        self.connection = connection
        self._cluster = None

    def _handle(self):
        if self._cluster is None:
            rados = import_rados()
            try:
                self._cluster = connect_rados(rados, self.connection)
            except rados.Error as e:
                raise error_for(getattr(e, "errno", None) or errno.EIO, self.connection.cannot_connect(e))
        return self._cluster

    def _result(self, rc, out, outs):
        rc = -rc if rc < 0 else rc
        if rc == errno.ETIMEDOUT:
            outs = self.connection.timed_out(outs)
        return rc, out.decode("utf-8", "replace"), outs

    def mon_command(self, command, inbuf=b""):
        return self._result(*self._handle().mon_command(command_json(command), inbuf or b"",
                                                        timeout=self.connection.connect_timeout))

    def mgr_command(self, command, inbuf=b""):
        return self._result(*self._handle().mgr_command(command_json(command), inbuf or b"",
                                                        timeout=self.connection.connect_timeout))

    def object_exists(self, pool, name):
        rados = import_rados()
        try:
            with self._handle().open_ioctx(pool) as ioctx:
                try:
                    ioctx.stat(name)
                    return True
                except rados.ObjectNotFound:
                    return False
        except rados.Error as e:
            raise error_for(getattr(e, "errno", None) or errno.EIO, str(e))

    @staticmethod
    def describe_pool_init(pool):
        return "librbd pool_init %s" % pool

    def rbd_pool_init(self, pool):
        rados = import_rados()
        try:
            import rbd  # pylint: disable=import-error
        except ImportError as e:
            raise error_for(errno.ENOENT, "rbd pool init %s needs python3-rbd on the admin host: %s" % (pool, e))
        try:
            with self._handle().open_ioctx(pool) as ioctx:
                rbd.RBD().pool_init(ioctx, False)
        except (rados.Error, rbd.Error) as e:
            raise error_for(getattr(e, "errno", None) or errno.EIO,
                            "rbd pool init %s: %s" % (pool, e))

    def close(self):
        if self._cluster is not None:
            self._cluster.shutdown()
            self._cluster = None

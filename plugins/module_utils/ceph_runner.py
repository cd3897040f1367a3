# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private runner for Ceph mon and mgr commands, rados objects and rbd pool init.

A command is one dict of the table in ceph_commands: ``{"prefix": "osd pool set", "pool": ...}``.
CephRunner sends it through one transport:
- ceph_librados (the default): the dict as JSON on the task's own librados connection;
- KeptConnectionTransport, below: the same, through a kept-open connection's server, when
  keep_connection_seconds is above 0 (ceph_kept_connection_client and _server);
- ceph_cli: the dict as ``ceph --name value`` argv, plain or in ``cephadm shell``.
The logic above the runner never knows which one ran.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import json

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_commands import (
    MGR, MON, ceph_command, command_json, describe, describe_json)
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_errors import (
    CephError, CephNotFound, CephTimeout, error_for)
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_librados import HAS_RADOS, LibradosTransport
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_kept_connection_client import (
    KeptConnectionClient, ServerFailed, ServerLost, ServerUnavailable, decode, encode)


def _parse(out):
    if not out or not out.strip():
        return None
    try:
        return json.loads(out)
    except ValueError:
        return out


class Connection(object):
    """Where and as whom to connect. Comes from the shared argument spec."""

    def __init__(self, cluster="ceph", conf=None, client_name="client.admin", keyring=None,
                 connect_timeout=10, keep_seconds=0, cephadm_image=None):
        self.cephadm_image = cephadm_image
        self.cluster = cluster
        self.conf = conf
        self.client_name = client_name
        self.keyring = keyring
        self.connect_timeout = int(connect_timeout)
        self.keep_seconds = int(keep_seconds)
        self.where = None   # how messages name the monitors, when conf is a file of the task's own

    def describe(self):
        return "Ceph cluster %r as %s (%s)" % (self.cluster, self.client_name,
                                               self.where or "conf %s" % (self.conf or "default"))

    def cannot_connect(self, error):
        return "cannot connect to %s: %s" % (self.describe(), error)

    def timed_out(self, message):
        return "cannot connect to %s within %s s: %s" % (
            self.describe(), self.connect_timeout, message or "timed out")

    def cli_args(self, tool="ceph", files=True):
        """The tool's connection options; ``files=False`` leaves out conf and keyring (cephadm
        shell mounts them where the tools look)."""
        args = ["--cluster", self.cluster, "--name", self.client_name]
        if tool == "ceph":
            args += ["--connect-timeout", str(self.connect_timeout)]
        else:   # rados and rbd take the config options themselves
            t = str(self.connect_timeout)
            args += ["--client_mount_timeout", t, "--rados_mon_op_timeout", t, "--rados_osd_op_timeout", t]
        if self.conf and files:
            args += ["--conf", self.conf]
        if self.keyring and files:
            args += ["--keyring", self.keyring]
        return args

    def cephadm_args(self):
        """``cephadm [--image I] shell [--config C] [--keyring K] --``: the prefix of a tool's argv."""
        args = ["--image", self.cephadm_image] if self.cephadm_image else []
        args.append("shell")
        if self.conf:
            args += ["--config", self.conf]
        if self.keyring:
            args += ["--keyring", self.keyring]
        return args + ["--"]


class KeptConnectionTransport(LibradosTransport):
    """librados through the host's kept-open connection server. The first task starts one and
    uses it too; a task connects itself only when no server can serve it."""

    def __init__(self, connection):
        super(KeptConnectionTransport, self).__init__(connection)
        self.client = KeptConnectionClient(connection, connection.keep_seconds)
        # reused or started while the server serves this task; off once the task connects itself
        self.session = None
        self.via_server = True

    def _ask(self, request):
        """The server's reply, or None when this task connects itself."""
        if not self.via_server:
            return None
        try:
            try:
                reply = self.client.call(request)
                self.session = self.session or "reused"
                return reply
            except ServerUnavailable:
                # Only the task's first command starts a server; the lock may be another's.
                if self.session is None and self._start_server():
                    self.session = "started"
                    return self.client.call(request)
        except ServerUnavailable:
            pass    # it went stale, or stopped, before this command was sent
        except ServerLost as e:
            raise error_for(errno.ETIMEDOUT, self.connection.timed_out(
                "the kept-open connection's server took %s and gave no answer (%s); its outcome is unknown, "
                "run again" % (request.get("command") or request["op"], e)))
        self.via_server = False
        self.session = "off"
        return None

    def _start_server(self):
        # only a task that starts a server loads its code
        from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_kept_connection_server import start_server
        try:
            return start_server(self.client)
        except ServerFailed as e:
            if e.waited:
                raise error_for(e.errno, self.connection.timed_out(str(e)))
            raise error_for(e.errno, self.connection.cannot_connect(e))

    def _session_command(self, op, command, inbuf):
        text = command_json(command)
        reply = self._ask({"op": op, "command": text, "inbuf": encode(inbuf)})
        if reply is None:
            send = self._handle().mgr_command if op == "mgr" else self._handle().mon_command
            return self._result(*send(text, inbuf or b"", timeout=self.connection.connect_timeout))
        if reply.get("raised"):
            raise error_for(reply["rc"], self.connection.cannot_connect(reply["outs"]))
        return self._result(reply["rc"], decode(reply["out"]), reply["outs"])

    def mon_command(self, command, inbuf=b""):
        return self._session_command("mon", command, inbuf)

    def mgr_command(self, command, inbuf=b""):
        return self._session_command("mgr", command, inbuf)

    def object_exists(self, pool, name):
        reply = self._ask({"op": "stat", "pool": pool, "name": name})
        if reply is None:
            return super(KeptConnectionTransport, self).object_exists(pool, name)
        if reply["rc"] not in (0, errno.ENOENT):
            raise error_for(reply["rc"], reply["outs"])
        return reply["rc"] == 0


class CephRunner(object):
    """Runs mon commands through one transport and records the ones that write."""

    def __init__(self, transport):
        self.transport = transport
        self.commands = []      # writes, as loggable strings
        self.call_count = 0     # every mon command, reads included

    @classmethod
    def for_module(cls, module, connection, transport="auto"):
        if transport in ("auto", "librados") and HAS_RADOS:
            if connection.keep_seconds > 0:
                return cls(KeptConnectionTransport(connection))
            return cls(LibradosTransport(connection))
        from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_cli import CephadmTransport, CliTransport
        if transport == "cephadm":
            return cls(CephadmTransport(connection, module))
        return cls(CliTransport(connection, module))

    def mon(self, prefix, inbuf=None, **args):
        """Run a mon command and return its parsed JSON (None when it prints nothing)."""
        return self._send(MON, prefix, inbuf, args)

    def mgr(self, prefix, inbuf=None, **args):
        """Run a mgr command (fs volume, fs subvolume, ...) the same way. When it times out while
        the monitors answer, the error says whether a manager is active at all."""
        return self._send_to_mgr(prefix, inbuf, args)

    def get(self, prefix, **args):
        """A read: None when the thing does not exist."""
        try:
            return self.mon(prefix, **args)
        except CephNotFound:
            return None

    def write(self, prefix, inbuf=None, **args):
        """A mon command that changes the cluster: ``commands`` lists it."""
        return self._send(MON, prefix, inbuf, args, write=True)

    def mgr_get(self, prefix, **args):
        """A mgr read: None when the thing does not exist."""
        try:
            return self.mgr(prefix, **args)
        except CephNotFound:
            return None

    def mgr_write(self, prefix, **args):
        """A mgr command that changes the cluster: ``commands`` lists it."""
        return self._send_to_mgr(prefix, None, args, write=True)

    def describe(self, daemon, prefix, **args):
        """The ``commands`` line of a command, as this runner's transport sends it: for librados
        the JSON, for the CLI the ceph tool's words (without the connection and format options)."""
        return self._line(daemon, ceph_command(daemon, prefix, args))

    def _line(self, daemon, command):
        if getattr(self.transport, "sends_json", False):
            return describe_json(daemon, dict(command, format="json"))
        return describe(command)

    def describe_pool_init(self, pool):
        describe_with = getattr(self.transport, "describe_pool_init", None)
        return describe_with(pool) if describe_with else "rbd pool init %s" % pool

    def _send(self, daemon, prefix, inbuf, args, write=False):
        command = ceph_command(daemon, prefix, args)
        if write:
            self.commands.append(self._line(daemon, command))
        words = describe(command)       # errors name the command as an operator would type it
        command["format"] = "json"
        send = self.transport.mgr_command if daemon == MGR else self.transport.mon_command
        self.call_count += 1
        rc, out, outs = send(command, inbuf)
        if rc != 0:
            raise error_for(rc, outs, words)
        return _parse(out)

    def _send_to_mgr(self, prefix, inbuf, args, write=False):
        try:
            return self._send(MGR, prefix, inbuf, args, write)
        except CephTimeout as e:
            try:
                stat = self.mon("mgr stat") or {}
            except CephError:
                raise e     # the monitors do not answer either: the timeout says it all
            if stat.get("available") is False:
                why = ("the monitors answer, but no ceph-mgr is active (mgr stat: available=false, %s standby); "
                       "the manager runs this command: start it" % stat.get("num_standby", 0))
            elif stat.get("active_name"):
                why = ("the monitors answer and list ceph-mgr %s as active, but it did not answer within %s s "
                       "(a manager that stopped is listed for up to mon_mgr_beacon_grace, 30 s by default)"
                       % (stat["active_name"], getattr(getattr(self.transport, "connection", None),
                                                       "connect_timeout", "?")))
            else:
                raise
            raise CephTimeout("%s: %s" % (e.command, why), rc=errno.ETIMEDOUT, command=e.command)

    def object_exists(self, pool, name):
        self.call_count += 1
        return self.transport.object_exists(pool, name)

    def rbd_pool_init(self, pool):
        self.commands.append(self.describe_pool_init(pool))
        self.call_count += 1
        self.transport.rbd_pool_init(pool)

    def close(self):
        self.transport.close()

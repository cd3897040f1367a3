# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ceph CLI transport (transport=cli): the runner's command dicts as ``ceph``, ``rados`` and
``rbd`` argv. Imported only by a task that uses it, so a librados task never compiles it."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno

from ansible_collections.cephstack.cloud.plugins.module_utils.command_runner import CommandRunner, LazyPattern
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_commands import command_to_argv
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_errors import error_for, librados_cause

ERRNO_IN_TEXT = LazyPattern(r"\((\d+)\) [A-Z]")
LOG_LINE = LazyPattern(r"^\d{4}-\d\d-\d\dT\S+ [0-9a-f]+ ")   # Ceph's own log output on stderr


class CephTools(CommandRunner):
    """ceph, rados and rbd on the shared runner base; errors are mapped by the transport."""
    tool = "ceph"


class CliTransport(object):
    name = "cli"
    session = "off"

    def __init__(self, connection, module):
        self.connection = connection
        # The tool's own connect timeout comes first; coreutils timeout bounds a mon op that hangs.
        self.tools = CephTools(module, timeout=connection.connect_timeout + 5)

    def _exec(self, tool, argv, data=None):
        return self.tools.run(self.connection.cli_args(tool) + argv, data=data, tool=tool,
                              binary=True, check=False)

    def mon_command(self, command, inbuf=b""):
        argv = command_to_argv(command) + ["--format", "json"]
        if inbuf:
            argv += ["-i", "-"]
        rc, out, err = self._exec("ceph", argv, data=inbuf or None)
        code, message = _cli_errno(rc, err), _last_error_line(err)
        if code == errno.ETIMEDOUT:
            message = self.connection.timed_out(message)
        elif code and "error connecting to the cluster" in message:
            cause = librados_cause("\n".join(l for l in err.splitlines() if LOG_LINE.match(l)))
            message = self.connection.cannot_connect(message + ("; librados said: " + cause if cause else ""))
        return code, out, message

    mgr_command = mon_command     # the ceph CLI routes mgr commands itself

    def object_exists(self, pool, name):
        rc, dummy, err = self._exec("rados", ["--pool", pool, "stat", name])
        if rc == 0:
            return True
        code = _cli_errno(rc, err)
        if code == errno.ENOENT:
            return False
        raise error_for(code, _last_error_line(err))

    def rbd_pool_init(self, pool):
        rc, dummy, err = self._exec("rbd", ["pool", "init", pool])
        if rc != 0:
            raise error_for(_cli_errno(rc, err), _last_error_line(err))

    def close(self):
        pass


class CephadmTransport(CliTransport):
    """The same argv, run in ``cephadm shell`` (a container of the cluster's image, with the
    host's conf and keyring mounted where the tools look): for hosts without Ceph packages."""
    name = "cephadm"

    def __init__(self, connection, module):
        super(CephadmTransport, self).__init__(connection, module)
        # cephadm starts a container per call (about 2 s): its own time on top of the tool's
        self.tools.timeout += 30

    def _exec(self, tool, argv, data=None):
        argv = self.connection.cephadm_args() + [tool] + self.connection.cli_args(tool, files=False) + argv
        return self.tools.run(argv, data=data, tool="cephadm", binary=True, check=False)


def _last_error_line(err):
    lines = [l for l in (err or "").splitlines() if l.strip() and not LOG_LINE.match(l)]
    return lines[-1].strip() if lines else ""


def _cli_errno(rc, err):
    """The CLI prints ``Error ENOENT: ...`` and exits with the errno."""
    if rc == 0:
        return 0
    if rc == 124:
        return errno.ETIMEDOUT
    for line in (err or "").splitlines():
        if LOG_LINE.match(line):
            continue
        if "timed out" in line:
            return errno.ETIMEDOUT
        if line.startswith("Error E"):
            name = line.split()[1].rstrip(":")
            return getattr(errno, name, rc)
        found = ERRNO_IN_TEXT.search(line)      # rados/rbd: "...: (2) No such file or directory"
        if found:
            return int(found.group(1))
    return rc

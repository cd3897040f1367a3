# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The private base of every command-line runner (ceph/rados/rbd, virsh, qemu-img, gnt-*).

It finds the binary with get_bin_path, forces LC_ALL=C, bounds every call with coreutils
``timeout``, keeps argv a list, logs argv with secrets replaced, and turns a failure into one
of the typed exceptions below. A subclass only says how its tool reports errors.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import re

REDACTED = "<redacted>"
TIMEOUT_RC = 124          # coreutils timeout's exit status when the limit is hit


class LazyPattern(object):
    """A regex compiled on first use: a task pays only for the patterns its run needs (the
    module_utils are compiled afresh in every module process, about 0.6 ms per pattern)."""

    def __init__(self, pattern, flags=0):
        self.pattern, self.flags, self._compiled = pattern, flags, None

    def __getattr__(self, name):
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return getattr(self._compiled, name)


class CommandError(Exception):
    """A command failed. ``rc`` is a positive errno where the tool gives one."""

    def __init__(self, message, rc=None, command=None):
        super(CommandError, self).__init__(message)
        self.rc = rc
        self.command = command


class NotFound(CommandError):
    pass


class PermissionDenied(CommandError):
    pass


class Timeout(CommandError):
    pass


class Invalid(CommandError):
    pass


class Exists(CommandError):
    pass


ERRNO_EXCEPTIONS = {
    errno.ENOENT: NotFound,
    errno.EPERM: PermissionDenied,
    errno.EACCES: PermissionDenied,
    errno.EINVAL: Invalid,
    errno.ETIMEDOUT: Timeout,
    errno.EEXIST: Exists,
}


def error_for_errno(rc, message, command=None):
    """The exception for an errno (sign ignored)."""
    rc = abs(rc)
    return ERRNO_EXCEPTIONS.get(rc, CommandError)(message, rc=rc, command=command)


def quote(arg):
    return "'%s'" % arg if (" " in arg or not arg) else arg


def describe_argv(argv, secrets=()):
    """One loggable line: every argument in ``secrets`` replaced."""
    return " ".join(quote(REDACTED if a in secrets else str(a)) for a in argv)


class Planned(object):
    """A write that a runner will run: ``command`` is the line the runner logs when it runs it,
    so a module reports as ``commands`` exactly what ran (and, in check mode, what would)."""

    def __init__(self, runner, args, run_kwargs, secrets=(), tool=None):
        self.runner, self.args, self.run_kwargs = runner, list(args), run_kwargs
        self.secrets, self.tool = secrets, tool
        self.command = describe_argv([tool or runner.tool] + self.args, secrets)

    def run(self):
        return self.runner.run(self.args, write=True, secrets=self.secrets, tool=self.tool, **self.run_kwargs)

    def __repr__(self):
        return "Planned(%r)" % self.command


class CommandRunner(object):
    """Runs one tool. Subclasses set ``tool`` and may override ``classify``."""

    tool = None

    def __init__(self, module, timeout=30):
        self.module = module
        self.timeout = int(timeout)
        self.commands = []      # what changed something, as loggable lines
        self.call_count = 0     # every invocation, reads included
        self._paths = {}

    def bin(self, name):
        if name not in self._paths:
            self._paths[name] = self.module.get_bin_path(name, required=True)
        return self._paths[name]

    def classify(self, rc, out, err):
        """The exception class for a failed call; the base knows only the timeout."""
        return Timeout if rc == TIMEOUT_RC else CommandError

    def message(self, args, rc, out, err):
        text = (err or out or "").strip().replace("\n", " ")
        return "%s %s: %s" % (self.tool, args[0] if args else "", text or "exit status %s" % rc)

    def run(self, args, data=None, write=False, secrets=(), tool=None, binary=False, check=True):
        """Run ``tool args``; return (rc, out, err). ``write`` logs the call in ``commands``."""
        tool = tool or self.tool
        argv = [self.bin("timeout"), "-k", "2", str(self.timeout), self.bin(tool)] + list(args)
        self.call_count += 1
        line = describe_argv([tool] + list(args), secrets)
        if write:
            self.commands.append(line)
        kwargs = dict(data=data, environ_update={"LC_ALL": "C", "LANG": "C"})
        if binary:
            kwargs.update(binary_data=True, encoding=None)
        rc, out, err = self.module.run_command(argv, **kwargs)
        if isinstance(out, bytes):
            out = out.decode("utf-8", "replace")
        if isinstance(err, bytes):
            err = err.decode("utf-8", "replace")
        if rc != 0 and check:
            if rc == TIMEOUT_RC:
                raise Timeout("%s timed out after %d s" % (line, self.timeout), rc=errno.ETIMEDOUT,
                              command=line)
            raise self.classify(rc, out, err)(self.message(args, rc, out, err), rc=rc, command=line)
        return rc, out, err

    def plan(self, args, data=None, secrets=(), tool=None, binary=False):
        """A write, described now and run later (by a Change): see Planned."""
        return Planned(self, args, dict(data=data, binary=binary), secrets, tool)

    def close(self):
        pass

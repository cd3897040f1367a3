# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared parts of the CephFS modules: the file system and group options, name and mode checks,
and the mgr volumes plugin's JSON turned into plain state."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_module import (
    CephResourceModule, ModuleFailure)
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_errors import CephNotFound
from ansible_collections.cephstack.cloud.plugins.module_utils.command_runner import LazyPattern

NAME_RE = LazyPattern(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$")
MODE_RE = LazyPattern(r"^0?[0-7]{3}$")
FS_ARGS = dict(
    fs=dict(type="str", default="cephfs"),
    group=dict(type="str"),
)


def check_name(value, option):
    if value is not None and not NAME_RE.match(str(value)):
        raise ValueError("%s=%r is not a valid CephFS name: use 1-255 characters from A-Z a-z 0-9 _ . -, "
                         "not starting with '.' or '-'" % (option, value))
    return value


def check_mode(value, option="mode"):
    if value is None:
        return None
    if not MODE_RE.match(str(value)):
        raise ValueError("%s=%r is not an octal directory mode such as '0755'" % (option, value))
    return "%04o" % int(str(value), 8)


def dir_attrs(info):
    """uid, gid and the permission bits of a volumes-plugin info answer."""
    return dict(uid=info.get("uid"), gid=info.get("gid"), mode="%04o" % (int(info.get("mode", 0)) & 0o7777))


class CephfsModule(CephResourceModule):
    """A module on a CephFS volume (``fs``), optionally in a subvolume group (``group``)."""
    fs_options = ("fs", "group")

    def __init__(self, module=None, runner=None):
        self.argument_spec = dict(dict((k, FS_ARGS[k]) for k in self.fs_options), **self.argument_spec)
        super(CephfsModule, self).__init__(module, runner)

    def validate_names(self, *options):
        try:
            for option in self.fs_options + options:
                check_name(self.params.get(option), option)
        except ValueError as e:
            raise ModuleFailure(str(e))

    def fs_args(self, **extra):
        """vol_name and group_name, as the volumes plugin takes them."""
        args = dict(vol_name=self.params["fs"])
        if self.params.get("group"):
            args["group_name"] = self.params["group"]
        args.update(extra)
        return args

    def info(self, prefix, **args):
        """One volumes-plugin read; None when the thing is absent. A missing file system or
        group fails, naming the option and what exists (read only on that error path)."""
        try:
            return self.runner.mgr(prefix, **self.fs_args(**args))
        except CephNotFound as e:
            text = str(e)
            if "FS '%s' not found" % self.params["fs"] in text or "volume '%s' does not exist" % self.params["fs"] in text:
                names = [f["name"] for f in self.runner.mon("fs ls") or []]
                raise ModuleFailure("fs=%s: no such CephFS file system; existing: %s"
                                    % (self.params["fs"], ", ".join(names) or "none"))
            if self.params.get("group") and "subvolume group '%s' does not exist" % self.params["group"] in text:
                raise ModuleFailure("group=%s: no such subvolume group in fs=%s"
                                    % (self.params["group"], self.params["fs"]))
            return None

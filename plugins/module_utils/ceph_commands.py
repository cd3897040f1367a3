# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every Ceph command the collection sends, and how one becomes the ``ceph`` tool's argv.

A command is one dict, as the monitors and the manager take it:
``{"prefix": "osd pool set", "pool": "images", "var": "size", "val": "2"}``. The librados
transport sends it as JSON; the CLI transport runs ``ceph`` with the argv of command_to_argv().
CephRunner refuses a prefix that is not in COMMANDS, an argument that its entry does not name,
and a command sent to the other daemon. tests/unit/plugins/module_utils/test_ceph_commands.py
checks the table against the command signatures recorded from Pacific, Reef and Tentacle.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible_collections.cephstack.cloud.plugins.module_utils.command_runner import REDACTED, quote

MON, MGR = "mon", "mgr"
_FS = ("vol_name", "group_name")                  # a CephFS volume, optionally a subvolume group
_SUBVOLUME = _FS + ("sub_name",)

# prefix: (the daemon that answers it, the arguments the collection sends it)
COMMANDS = {
    # cluster state (ceph_cluster_info, ceph_health_info, the runner's mgr diagnosis)
    "mon dump": (MON, ()),
    "quorum_status": (MON, ()),
    "status": (MON, ()),
    "df": (MON, ("detail",)),
    "version": (MON, ()),
    "mgr stat": (MON, ()),
    "mgr module enable": (MON, ("module",)),
    "config show-with-defaults": (MGR, ("who",)),
    # cephx users (ceph_auth, ceph_auth_info, cephfs_subvolume_access); "auth rotate" from Squid on
    "auth get": (MON, ("entity",)),
    "auth ls": (MON, ()),
    "auth get-or-create": (MON, ("entity", "caps", "key_type")),
    "auth import": (MON, ()),                       # the keyring comes on stdin
    "auth caps": (MON, ("entity", "caps")),
    "auth rotate": (MON, ("entity", "key_type")),
    "auth rm": (MON, ("entity",)),
    # pools (ceph_pool)
    "osd pool ls": (MON, ("detail",)),
    "osd crush rule dump": (MON, ()),
    "osd pool create": (MON, ("pool", "pool_type", "pg_num", "pgp_num", "rule", "autoscale_mode",
                              "erasure_code_profile", "size")),
    "osd pool set": (MON, ("pool", "var", "val", "yes_i_really_mean_it")),
    "osd pool set-quota": (MON, ("pool", "field", "val")),
    "osd pool application enable": (MON, ("pool", "app")),
    "osd pool rm": (MON, ("pool", "pool2", "yes_i_really_really_mean_it")),
    # CephFS, through the manager's volumes module (cephfs_* modules)
    "fs ls": (MON, ()),
    "fs volume create": (MGR, ("name",)),
    "fs volume rm": (MGR, ("vol_name", "yes-i-really-mean-it")),
    "fs subvolumegroup info": (MGR, _FS),
    "fs subvolumegroup create": (MGR, _FS + ("pool_layout", "uid", "gid", "mode")),
    "fs subvolumegroup rm": (MGR, _FS),
    "fs subvolume info": (MGR, _SUBVOLUME),
    "fs subvolume create": (MGR, _SUBVOLUME + ("size", "pool_layout", "uid", "gid", "mode", "namespace_isolated")),
    "fs subvolume resize": (MGR, _SUBVOLUME + ("new_size",)),
    "fs subvolume rm": (MGR, _SUBVOLUME),
    "fs subvolume snapshot ls": (MGR, _SUBVOLUME),
    "fs subvolume snapshot create": (MGR, _SUBVOLUME + ("snap_name",)),
    "fs subvolume snapshot rm": (MGR, _SUBVOLUME + ("snap_name",)),
    "fs subvolume authorized_list": (MGR, _SUBVOLUME),
    "fs subvolume authorize": (MGR, _SUBVOLUME + ("auth_id", "access_level", "allow_existing_id")),
    "fs subvolume deauthorize": (MGR, _SUBVOLUME + ("auth_id",)),
    # NFS clusters, through the manager's nfs module (ceph_nfs_cluster)
    "nfs cluster ls": (MGR, ()),
    "nfs cluster create": (MGR, ("cluster_id",)),
}

# The commands that only read. Every other one changes the cluster: the runner sends it only as a
# write, which ``commands`` lists.
READS = frozenset([
    "mon dump", "quorum_status", "status", "df", "version", "mgr stat", "config show-with-defaults",
    "auth get", "auth ls", "osd pool ls", "osd crush rule dump", "fs ls", "fs subvolumegroup info",
    "fs subvolume info", "fs subvolume snapshot ls", "fs subvolume authorized_list", "nfs cluster ls",
])

# Arguments whose values never reach a log, a result or an error message.
SECRET_ARGS = frozenset(["key", "cephx_secret"])


def ceph_command(daemon, prefix, args):
    """The command dict for ``prefix`` with ``args`` (None values left out). A prefix or an argument
    the table does not name, or the other daemon, is a programming error: ValueError."""
    entry = COMMANDS.get(prefix)
    if entry is None:
        raise ValueError("%r is not in the Ceph command table (ceph_commands.COMMANDS)" % prefix)
    if entry[0] != daemon:
        raise ValueError("%r is a %s command, sent as a %s command" % (prefix, entry[0], daemon))
    unknown = sorted(set(k for k, v in args.items() if v is not None) - set(entry[1]))
    if unknown:
        raise ValueError("%s: argument %s not in the Ceph command table; it takes %s"
                         % (prefix, ", ".join(unknown), ", ".join(entry[1]) or "none"))
    command = {"prefix": prefix}
    command.update((k, v) for k, v in args.items() if v is not None)
    return command


# The ceph tool's own long options. Its argparse takes them, and any prefix of them, before the
# command is looked at: a command argument spelt the same (``fs volume create --name X``) would
# become the tool's client name instead.
CLI_OWN_OPTIONS = (
    "admin-daemon", "block", "cluster", "completion", "concise", "conf", "connect-timeout", "format",
    "help", "id", "in-file", "name", "out-file", "period", "setgroup", "setuser", "status", "user",
    "verbose", "version", "watch", "watch-channel", "watch-debug", "watch-error", "watch-info",
    "watch-sec", "watch-warn")
# Commands with such an argument, and the order in which their signature takes arguments
# positionally, up to the last one that collides.
POSITIONAL_ORDER = {"fs volume create": ("name",)}


def collides_with_cli(name):
    flag = name.replace("_", "-")
    return any(option.startswith(flag) for option in CLI_OWN_OPTIONS)


def command_to_argv(command):
    """``{"prefix": "osd pool set", "pool": "p", "yes_i_mean_it": True}`` ->
    ``["osd", "pool", "set", "--pool", "p", "--yes_i_mean_it"]``. A list argument (at most
    one per command, such as caps) goes last, positionally. Arguments the ceph tool would take
    as its own options go first, positionally, in the order of POSITIONAL_ORDER."""
    prefix = command["prefix"]
    argv = prefix.split()
    names = sorted(k for k in command if k not in ("prefix", "format") and command[k] is not None)
    clashing = [n for n in names if collides_with_cli(n)]
    leading = POSITIONAL_ORDER.get(prefix, ()) if clashing else ()
    unplaced = [n for n in clashing if n not in leading]
    if unplaced:
        raise ValueError("%s: argument %s would be taken by the ceph tool as its own option; add the "
                         "command's positional order to POSITIONAL_ORDER" % (prefix, ", ".join(unplaced)))
    argv += [str(command[n]) for n in leading if command.get(n) is not None]
    positional = []
    for name in names:
        value = command[name]
        if name in leading or value is False:
            continue
        if value is True or value == "--" + name:   # a flag, or a confirmation string that is its own flag
            argv.append("--" + name)
        elif isinstance(value, (list, tuple)):
            # The CLI splits "--caps 'a, b'" on commas; positional list items are kept whole.
            positional.extend(str(item) for item in value)
        else:
            argv.extend(["--" + name, str(value)])
    return argv + positional


def redacted(command):
    """The command without its unset arguments, secrets replaced."""
    return dict((k, REDACTED if k in SECRET_ARGS else v) for k, v in command.items() if v is not None)


def describe(command):
    """The ceph tool's line for a command, secrets replaced: what ``commands`` reports for the CLI."""
    return "ceph " + " ".join(quote(a) for a in command_to_argv(redacted(command)))


def command_json(command):
    """The text that librados sends to the monitors or the manager for a command."""
    return json.dumps(command)


def describe_json(daemon, command):
    """What ``commands`` reports for librados: ``mon_command`` or ``mgr_command`` and the JSON as
    sent (the output format included), secrets replaced."""
    return "%s_command %s" % (daemon, command_json(redacted(command)))

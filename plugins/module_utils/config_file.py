# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Config files: one INI engine (oslo and Ceph dialects) and one managed-file writer.

The writer is used for service configs and keyrings alike: it reads the file once, returns
Changes (content, then attributes) with their effect on the file's state, and writes
atomically: a 0600 temp file beside the target gets owner, mode and SELinux context before it
is renamed over the target, so no reader ever sees a partial or a too-open file.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import grp
import os
import pwd
import re
import tempfile

from ansible_collections.cephstack.cloud.plugins.module_utils.command_runner import LazyPattern
from ansible_collections.cephstack.cloud.plugins.module_utils.resource import (
    ABSENT, Change, ModuleFailure)

SECTION = LazyPattern(r"^\s*\[([^\]]+)\]\s*$")
OPTION = LazyPattern(r"^\s*([^#;\s=\[][^=]*?)\s*=\s*(.*?)\s*$")
OCTAL_MODE = LazyPattern(r"^0?[0-7]{3,4}$")


class OsloDialect(object):
    """oslo.config files: option names are exact, a value is the rest of the line."""
    name = "oslo"

    @staticmethod
    def key(option):
        return option.strip()

    @staticmethod
    def value(raw):
        return raw


class CephDialect(object):
    """ceph.conf: space, '_' and '-' in an option name are one character; '#' and ';'
    start a comment anywhere in a value."""
    name = "ceph"

    @staticmethod
    def key(option):
        return re.sub(r"[ _-]", "_", option.strip())

    @staticmethod
    def value(raw):
        return re.split(r"\s[#;]", " " + raw, maxsplit=1)[0].strip()


DIALECTS = dict(oslo=OsloDialect, ceph=CephDialect)


def dialect_for(path, name="auto"):
    """``auto``: Ceph for *.conf files in a directory named ceph or named ceph.conf, else oslo."""
    if name != "auto":
        return DIALECTS[name]
    if os.path.basename(os.path.dirname(path)) == "ceph" or os.path.basename(path) == "ceph.conf":
        return CephDialect
    return OsloDialect


def render(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(render(v) for v in value)
    return str(value)


def _locate(lines, section, name, dialect):
    """(index of the section header or None, index after the section, option line indexes)."""
    start = end = None
    hits = []
    current = None
    key = dialect.key(name)
    for i, line in enumerate(lines):
        m = SECTION.match(line)
        if m:
            if current == section and end is None:
                end = i
            current = m.group(1).strip()
            if current == section and start is None:
                start = i
            continue
        if current == section:
            o = OPTION.match(line)
            if o and dialect.key(o.group(1)) == key:
                hits.append(i)
    if start is not None and end is None:
        end = len(lines)
    return start, end, hits


def edit(lines, options, dialect=OsloDialect):
    """Return (new_lines, changed 'section.option' names). Only the named options are touched.

    An existing option line keeps its place and its spelling; a repeated option collapses to
    its first line; a value of None removes the option."""
    lines = list(lines)
    changed = []
    for section, opts in options.items():
        for name, value in (opts or {}).items():
            start, end, hits = _locate(lines, section, name, dialect)
            if value is None:
                if hits:
                    for i in reversed(hits):
                        del lines[i]
                    changed.append("%s.%s" % (section, name))
                continue
            wanted = render(value)
            if hits:
                first = lines[hits[0]]
                indent = first[:len(first) - len(first.lstrip())]
                spelled = OPTION.match(first).group(1)
                current = dialect.value(OPTION.match(lines[hits[-1]]).group(2))
                if current == wanted and len(hits) == 1:
                    continue
                lines[hits[0]] = "%s%s = %s" % (indent, spelled, wanted)
                for i in reversed(hits[1:]):
                    del lines[i]
            elif start is None:
                if lines and lines[-1].strip():
                    lines.append("")
                lines += ["[%s]" % section, "%s = %s" % (name, wanted)]
            else:
                insert = end
                while insert > start + 1 and not lines[insert - 1].strip():
                    insert -= 1
                lines.insert(insert, "%s = %s" % (name, wanted))
            changed.append("%s.%s" % (section, name))
    return lines, changed


def parse_keyring(text):
    """{entity: key} of a keyring file's text."""
    found = {}
    entity = None
    for line in (text or "").splitlines():
        m = SECTION.match(line)
        if m:
            entity = m.group(1).strip()
            continue
        o = OPTION.match(line)
        if o and entity and o.group(1).strip() == "key":
            found[entity] = o.group(2).strip()
    return found


# --- files -----------------------------------------------------------------------------

def _owner_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _group_name(gid):
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def file_state(path):
    """dict(text, owner, group, mode) of a file, or None when it does not exist."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    with open(path) as f:
        text = f.read()
    return dict(text=text, owner=_owner_name(st.st_uid), group=_group_name(st.st_gid),
                mode="%04o" % (st.st_mode & 0o7777))


AT_FDCWD, AT_EMPTY_PATH = -100, 0x1000


def open_unnamed(directory):
    """A 0600 file being written: unnamed (O_TMPFILE) where the kernel and privileges allow it,
    so that a process killed mid-write leaves nothing behind; else a named temp file.
    Returns (fd, name or None)."""
    if hasattr(os, "O_TMPFILE") and os.geteuid() == 0:
        try:
            return os.open(directory, os.O_TMPFILE | os.O_WRONLY, 0o600), None
        except OSError:
            pass
    return tempfile.mkstemp(prefix=".cephstack-", dir=directory)


def link_unnamed(fd, directory, basename):
    """Give an O_TMPFILE file a name next to its target, just before the rename."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    for dummy in range(5):
        name = os.path.join(directory, ".cephstack-%s.%s" % (basename, os.urandom(6).hex()))
        if libc.linkat(fd, b"", AT_FDCWD, name.encode(), AT_EMPTY_PATH) == 0:
            return name
        err = ctypes.get_errno()
        if err != errno.EEXIST:
            raise OSError(err, os.strerror(err))
    raise OSError(errno.EEXIST, "no free temporary name")


class ManagedFile(object):
    """One file the module owns the content of. ``file_args`` are AnsibleModule's common
    file arguments (owner, group, mode, SELinux, attributes)."""

    def __init__(self, module, path, file_args, default_mode, label="file"):
        self.module = module
        self.path = path
        self.label = label
        defaults = dict(owner=None, group=None, mode=None, secontext=[None, None, None], attributes=None)
        self.file_args = dict(defaults, **file_args)
        self.file_args["path"] = path
        self.default_mode = default_mode
        mode = self.file_args.get("mode")
        if mode is not None:
            mode = str(mode)
            if not OCTAL_MODE.match(mode):
                raise ModuleFailure("mode=%r is not an octal mode such as '0640'" % mode)
            self.file_args["mode"] = "%04o" % int(mode, 8)
        self.uid = self._resolve(self.file_args.get("owner"), pwd.getpwnam, "owner", "user")
        self.gid = self._resolve(self.file_args.get("group"), grp.getgrnam, "group", "group")

    def state(self):
        """The file as it is now (see file_state)."""
        return file_state(self.path)

    def _resolve(self, name, lookup, option, what):
        if name is None:
            return None
        if str(name).isdigit():
            return int(name)
        try:
            return lookup(name)[2]
        except KeyError:
            if self.module.check_mode:
                self.module.warn("%s=%s: no such %s yet; check mode assumes an earlier task "
                                 "creates it" % (option, name, what))
                return None
            raise ModuleFailure("%s=%r: no such %s" % (option, name, what))

    def wanted_attributes(self, current):
        """owner, group and mode the file will have: the requested ones, else the current
        ones, else those of a new file (the module's user, the default mode)."""
        args = self.file_args
        owner = args.get("owner")
        group = args.get("group")
        if owner is not None and str(owner).isdigit():
            owner = _owner_name(int(owner))
        if group is not None and str(group).isdigit():
            group = _group_name(int(group))
        if current is None:
            current = dict(owner=_owner_name(os.geteuid()), group=_group_name(os.getegid()),
                           mode=self.default_mode)
        return dict(owner=owner or current["owner"], group=group or current["group"],
                    mode=args.get("mode") or current["mode"])

    def _other_attributes_differ(self):
        """SELinux context and file attributes, asked of AnsibleModule without changing them."""
        if not any(self.file_args["secontext"]) and not self.file_args["attributes"]:
            return False
        saved = self.module.check_mode
        self.module.check_mode = True
        try:
            return self.module.set_fs_attributes_if_different(self.file_args, False)
        finally:
            self.module.check_mode = saved

    def changes(self, before, text, effect_text=None, create_dirs=False):
        """The Changes that make the file hold ``text`` with the wanted attributes.
        ``effect_text`` is what the state shows for the text (a redacted form for secrets)."""
        if before is None or before["text"] != text:
            return [self.write_change(before, lambda: text, text if effect_text is None else effect_text,
                                      create_dirs)]
        wanted = self.wanted_attributes(before)
        current = dict((k, before[k]) for k in ("owner", "group", "mode"))
        if current != wanted or self._other_attributes_differ():
            return [Change("set owner, group and mode of %s (%s:%s %s)"
                           % (self.path, wanted["owner"], wanted["group"], wanted["mode"]),
                           self.set_attributes, wanted)]
        return []

    def write_change(self, before, produce, shown, create_dirs=False):
        """Write the text ``produce()`` returns when the change runs; ``shown`` is what a
        prediction shows for it (UNKNOWN when only the run can know it)."""
        return Change("write %s %s" % (self.label, self.path),
                      lambda: self.write(produce(), create_dirs),
                      dict(self.wanted_attributes(before), text=shown))

    def remove_change(self, before):
        if before is None:
            return []
        return [Change("remove %s %s" % (self.label, self.path), lambda: os.unlink(self.path), ABSENT)]

    def write(self, text, create_dirs=False):
        directory = os.path.dirname(self.path) or "."
        if not os.path.isdir(directory):
            if not create_dirs:
                raise ModuleFailure("%s: directory %s does not exist" % (self.path, directory))
            os.makedirs(directory, 0o755)
        current = os.stat(self.path) if os.path.exists(self.path) else None
        uid = self.uid if self.uid is not None else (current.st_uid if current else -1)
        gid = self.gid if self.gid is not None else (current.st_gid if current else -1)
        mode = self.file_args.get("mode")
        mode = int(mode, 8) if mode else (current.st_mode & 0o7777 if current else int(self.default_mode, 8))
        try:
            fd, tmp = open_unnamed(directory)        # 0600, and no name a kill could leave behind
        except OSError as e:
            raise ModuleFailure("%s: cannot write it (%s in %s); nothing was changed"
                                % (self.path, e.strerror or e, directory))
        try:
            with os.fdopen(fd, "w") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
                os.fchown(f.fileno(), uid, gid)
                os.fchmod(f.fileno(), mode)
                tmp = tmp or link_unnamed(f.fileno(), directory, os.path.basename(self.path))
            if current is not None and self.module.selinux_enabled():
                self.module.set_context_if_different(tmp, self.module.selinux_context(self.path), False)
            os.rename(tmp, self.path)
        except OSError as e:
            if tmp and os.path.exists(tmp):
                os.unlink(tmp)
            raise ModuleFailure("%s: cannot write it (%s); the file was left as it was" % (self.path, e.strerror or e))
        except BaseException:
            if tmp and os.path.exists(tmp):
                os.unlink(tmp)
            raise
        self.set_attributes()

    def set_attributes(self):
        self.module.set_fs_attributes_if_different(self.file_args, False)

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: openstack_config
short_description: Set only the options this collection owns in an INI-style service config file
version_added: 0.1.0
description:
  - Sets, changes or removes individual options of an oslo.config style file (glance-api.conf,
    cinder.conf, nova.conf, ceph.conf) and leaves every other line, comment and option alone.
  - An option that appears more than once in its section is collapsed to one line.
  - Reads the file once, computes the edits, and writes the file atomically only when they
    change it.
author:
  - cephstack.cloud contributors (@cephstack)
extends_documentation_fragment:
  - cephstack.cloud.attributes
options:
  path:
    description: The config file.
    type: path
    required: true
  options:
    description:
      - Dict of section to a dict of option to value. A V(null) value removes the option.
      - Booleans become C(true)/C(false); lists are joined with commas.
    type: dict
    required: true
  create:
    description: Create the file, and missing parent directories (mode 0755), when it does not exist.
    type: bool
    default: true
  owner:
    description: Owner of the file.
    type: str
  group:
    description: Group of the file.
    type: str
  mode:
    description: Octal mode of the file, such as V('0640'). Keeps the current mode when unset.
    type: str
  secret_options:
    description: Option names whose values are replaced with C(<redacted>) in diff output.
    type: list
    elements: str
    default: []
notes:
  - Supports check mode and diff mode.
'''

EXAMPLES = r'''
- name: Glance's RBD store, touching nothing else in the file
  cephstack.cloud.openstack_config:
    path: /etc/glance/glance-api.conf
    options:
      DEFAULT:
        show_image_direct_url: true
      glance_store:
        stores: rbd
        default_store: rbd
        rbd_store_pool: images
        rbd_store_user: glance
        rbd_store_ceph_conf: /etc/ceph/ceph.conf
        rbd_store_chunk_size: 8
'''

RETURN = r'''
changed_options:
  description: The options that were (or in check mode would be) set or removed, as C(section.option).
  returned: always
  type: list
  elements: str
  sample: [glance_store.rbd_store_pool]
commands:
  description: C(write <path>) when the file was written, and attribute changes.
  returned: always
  type: list
  elements: str
'''

import grp
import os
import pwd
import re

from ansible_collections.cephstack.cloud.plugins.module_utils.files import atomic_write
from ansible_collections.cephstack.cloud.plugins.module_utils.resource import (
    REDACTED, Change, ModuleFailure, ResourceModule)

SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")
OPTION = re.compile(r"^\s*([^#;\s=][^=]*?)\s*=\s*(.*?)\s*$")


def render(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(render(v) for v in value)
    return str(value)


def edit(lines, options):
    """Return (new_lines, changed option names). Only the named options are touched."""
    lines = list(lines)
    changed = []
    for section, opts in options.items():
        for name, value in (opts or {}).items():
            wanted = None if value is None else "%s = %s" % (name, render(value))
            start, end, hits = _locate(lines, section, name)
            if wanted is None:
                if hits:
                    for i in reversed(hits):
                        del lines[i]
                    changed.append("%s.%s" % (section, name))
                continue
            if hits:
                current = OPTION.match(lines[hits[-1]]).group(2)
                if current == render(value) and len(hits) == 1:
                    continue
                lines[hits[0]] = wanted
                for i in reversed(hits[1:]):
                    del lines[i]
            elif start is None:
                if lines and lines[-1].strip():
                    lines.append("")
                lines += ["[%s]" % section, wanted]
            else:
                insert = end
                while insert > start + 1 and not lines[insert - 1].strip():
                    insert -= 1
                lines.insert(insert, wanted)
            changed.append("%s.%s" % (section, name))
    return lines, changed


def _locate(lines, section, name):
    """(index of the section header or None, index after its last line, option line indexes)."""
    start = end = None
    hits = []
    current = None
    for i, line in enumerate(lines):
        m = SECTION.match(line)
        if m:
            if current == section:
                end = i
            current = m.group(1).strip()
            if current == section and start is None:
                start = i
            continue
        if current == section:
            o = OPTION.match(line)
            if o and o.group(1) == name:
                hits.append(i)
    if start is not None and end is None:
        end = len(lines)
    return start, end, hits


class FileOps(object):
    def __init__(self):
        self.commands = []
        self.call_count = 0

    def close(self):
        pass


class OpenstackConfig(ResourceModule):
    argument_spec = dict(
        path=dict(type="path", required=True),
        options=dict(type="dict", required=True),
        create=dict(type="bool", default=True),
        owner=dict(type="str"),
        group=dict(type="str"),
        mode=dict(type="str"),
        secret_options=dict(type="list", elements="str", default=[], no_log=False),
    )

    def make_runner(self):
        return FileOps()

    def validate(self):
        p = self.params
        for section, opts in p["options"].items():
            if not isinstance(opts, dict):
                raise ModuleFailure("options.%s must be a dict of option to value, got %r" % (section, opts))
        self.uid = self.gid = self.mode = None
        try:
            if p["owner"]:
                self.uid = pwd.getpwnam(p["owner"]).pw_uid
        except KeyError:
            raise ModuleFailure("owner=%r: no such user" % p["owner"])
        try:
            if p["group"]:
                self.gid = grp.getgrnam(p["group"]).gr_gid
        except KeyError:
            raise ModuleFailure("group=%r: no such group" % p["group"])
        if p["mode"] is not None:
            try:
                self.mode = int(p["mode"], 8)
            except ValueError:
                raise ModuleFailure("mode=%r is not an octal mode such as '0640'" % p["mode"])

    def read(self):
        path = self.params["path"]
        if not os.path.exists(path):
            return None
        st = os.stat(path)
        with open(path) as f:
            text = f.read()
        return dict(text=text, uid=st.st_uid, gid=st.st_gid, mode=st.st_mode & 0o7777)

    def decide(self, before):
        p = self.params
        if before is None and not p["create"]:
            raise ModuleFailure("%s does not exist and create=false" % p["path"])
        old = before["text"] if before else ""
        lines, self.changed_options = edit(old.splitlines(), p["options"])
        new = "\n".join(lines) + "\n"
        changes = []
        self.new_text = new
        attrs = (self.uid, self.gid, self.mode)
        cur = (before["uid"], before["gid"], before["mode"]) if before else (None, None, None)
        self.attrs_differ = any(w is not None and w != c for w, c in zip(attrs, cur))
        if new != old or before is None:
            changes.append(Change("write %s" % p["path"], self.write))
        elif self.attrs_differ:
            changes.append(Change("set owner/group/mode of %s" % p["path"], self.set_attrs))
        self.target = dict(text=new, uid=self.uid if self.uid is not None else cur[0],
                           gid=self.gid if self.gid is not None else cur[1],
                           mode=self.mode if self.mode is not None else cur[2])
        return changes

    def write(self):
        p = self.params
        directory = os.path.dirname(p["path"]) or "."
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o755)
            self.runner.commands.append("create directory %s" % directory)
        old = os.stat(p["path"]) if os.path.exists(p["path"]) else None
        uid = self.uid if self.uid is not None else (old.st_uid if old else -1)
        gid = self.gid if self.gid is not None else (old.st_gid if old else -1)
        mode = self.mode if self.mode is not None else (old.st_mode & 0o7777 if old else 0o644)
        atomic_write(p["path"], self.new_text, uid, gid, mode)
        self.runner.commands.append("write %s" % p["path"])

    def set_attrs(self):
        p = self.params
        os.chown(p["path"], self.uid if self.uid is not None else -1, self.gid if self.gid is not None else -1)
        if self.mode is not None:
            os.chmod(p["path"], self.mode)
        self.runner.commands.append("set owner/group/mode of %s" % p["path"])

    def predict(self, before, changes):
        return self.target

    def redact(self, state):
        if not state:
            return state
        text = state["text"]
        for name in self.params["secret_options"]:
            text = re.sub(r"(?m)^(\s*%s\s*=\s*).*$" % re.escape(name), r"\g<1>" + REDACTED, text)
        return dict(state, text=text)

    def report(self, after):
        return dict(changed_options=self.changed_options)


# check_mode and diff: ResourceModule.execute() predicts without applying (supports_check_mode=True).
def main():
    OpenstackConfig().execute()


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: ini_options
short_description: Set only the named options of an INI file (OpenStack service configs, ceph.conf)
version_added: 1.0.0
description:
  - Sets, changes or removes individual options of an INI file, such as glance-api.conf,
    cinder.conf, nova.conf, manila.conf or ceph.conf, and leaves every other line, comment and
    option alone.
  - Reads the file once, computes the edits, and writes the file atomically only when they
    change it. An option that appears more than once in its section is collapsed to its first line.
  - An existing option keeps its line and its spelling; only the value changes.
  - Owner, group, mode and SELinux context go through Ansible's common file options.
author:
  - cephstack.cloud contributors (@cephstack)
extends_documentation_fragment:
  - cephstack.cloud.attributes
  - ansible.builtin.files
options:
  path:
    description: The file.
    type: path
    required: true
  options:
    description:
      - Dict of section to a dict of option to value. A V(null) value removes the option.
      - Booleans become C(true)/C(false); lists are joined with commas.
    type: dict
    required: true
  dialect:
    description:
      - How option names and values compare.
      - V(oslo) (OpenStack services) compares names exactly.
      - V(ceph) treats space, C(_) and C(-) in a name as the same character, as Ceph does, so
        C(mon_host) and C(mon host) are one option; C(#) and C(;) start a comment in a value.
      - V(auto) picks V(ceph) for a file in a directory named C(ceph) or named C(ceph.conf),
        V(oslo) otherwise.
    type: str
    choices: [auto, oslo, ceph]
    default: auto
  create:
    description: Create the file, and missing parent directories (mode 0755), when it does not exist.
    type: bool
    default: true
  mode:
    description:
      - Octal mode of the file, such as V('0640'). Keeps the current mode when unset; a new
        file gets V('0644').
    type: raw
  secret_options:
    description:
      - Option names whose values are secret. They are replaced with C(<redacted>) in diff
        output, and masked anywhere else in the result, the module arguments that Ansible
        echoes included, even in a task without C(no_log).
    type: list
    elements: str
    default: []
'''

EXAMPLES = r'''
- name: Glance's RBD store, touching nothing else in the file
  cephstack.cloud.ini_options:
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

- name: The [client] options qemu reads; an existing mon_host line is updated in place
  cephstack.cloud.ini_options:
    path: /etc/ceph/ceph.conf
    options:
      global:
        mon host: "[v2:10.0.0.1:3300,v1:10.0.0.1:6789]"
      client:
        client mount timeout: 30
    owner: root
    group: root
    mode: '0644'
'''

RETURN = r'''
changed_options:
  description: The options that were (or in check mode would be) set or removed, as C(section.option).
  returned: always
  type: list
  elements: str
  sample: [glance_store.rbd_store_pool]
file:
  description: Path, owner, group and mode of the file after the run (predicted in check mode).
  returned: always
  type: dict
  sample: {path: /etc/cinder/cinder.conf, owner: root, group: cinder, mode: '0640'}
commands:
  description: What changed the file, the same in check mode and in a real run.
  returned: always
  type: list
  elements: str
  sample: ["write file /etc/cinder/cinder.conf"]
'''

import re

from ansible_collections.cephstack.cloud.plugins.module_utils.config_file import (
    ManagedFile, dialect_for, edit, file_state)
from ansible_collections.cephstack.cloud.plugins.module_utils.resource import (
    REDACTED, ModuleFailure, Observed, ResourceModule)


class IniOptions(ResourceModule):
    argument_spec = dict(
        path=dict(type="path", required=True),
        options=dict(type="dict", required=True),
        dialect=dict(type="str", default="auto", choices=["auto", "oslo", "ceph"]),
        create=dict(type="bool", default=True),
        mode=dict(type="raw"),
        secret_options=dict(type="list", elements="str", default=[], no_log=False),
    )
    add_file_common_args = True

    def validate(self):
        p = self.params
        secret = set(p["secret_options"])
        for section, opts in p["options"].items():
            if not isinstance(opts, dict):
                raise ModuleFailure("options.%s must be a dict of option to value, got %r" % (section, opts))
            # a secret option's value is masked wherever it would appear in the result, the
            # echoed arguments included, even in a task without no_log
            for name, value in opts.items():
                if name in secret and value is not None:
                    self.module.no_log_values.add(str(value))
        self.dialect = dialect_for(p["path"], p["dialect"])
        self.file = ManagedFile(self.module, p["path"], self.module.load_file_common_arguments(p),
                                default_mode="0644")

    def read(self):
        """The file, and its text with the options set (computed once, for decide() and report())."""
        before = file_state(self.params["path"])
        lines, changed = edit((before["text"] if before else "").splitlines(), self.params["options"], self.dialect)
        return Observed(before, edited_text="\n".join(lines) + "\n", changed_options=changed)

    def read_after(self):
        return file_state(self.params["path"])

    def decide(self, before, seen):
        p = self.params
        if before is None and not p["create"]:
            raise ModuleFailure("path=%s does not exist and create=false" % p["path"])
        return self.file.changes(before, seen.edited_text, create_dirs=True)

    def redact(self, state, seen):
        if not state:
            return state
        text = state["text"]
        for name in self.params["secret_options"]:
            text = re.sub(r"(?m)^(\s*%s\s*=\s*).*$" % re.escape(name), r"\g<1>" + REDACTED, text)
        return dict(state, text=text)

    def report(self, after, seen, changes):
        info = dict((k, after[k]) for k in ("owner", "group", "mode")) if after else {}
        return dict(changed_options=seen.changed_options, file=dict(info, path=self.params["path"]))


# check_mode and diff: ResourceModule.execute() predicts the after-state from the Changes' effects.
def main():
    IniOptions().execute()


if __name__ == "__main__":
    main()

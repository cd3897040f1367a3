#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: ceph_keyring
short_description: Write a cephx keyring file on the host the module runs on
version_added: 1.0.0
description:
  - Writes the keyring file of one cephx entity, with the key only, as client hosts need it.
  - The key comes in as a parameter (for example from M(cephstack.cloud.ceph_auth_info) on the
    admin host); the module needs no connection to the cluster.
  - The file is written atomically, through a 0600 temp file that gets its owner, group, mode
    and SELinux context before it replaces the old file, so it is never readable by others,
    not even for a moment.
  - The same writer backs the O(cephstack.cloud.ceph_auth#module:keyring) option.
author:
  - cephstack.cloud contributors (@cephstack)
extends_documentation_fragment:
  - cephstack.cloud.attributes
  - ansible.builtin.files
options:
  name:
    description: The entity, C(TYPE.ID), such as C(client.cinder).
    type: str
    required: true
  key:
    description: The entity's base64 cephx key. Required with O(state=present).
    type: str
  path:
    description: The keyring file.
    type: path
    required: true
  state:
    description: Whether the file should exist. V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  mode:
    description: Octal mode of the file. A mode readable by others gets a warning.
    type: raw
    default: '0600'
seealso:
  - module: cephstack.cloud.ceph_auth_info
  - module: cephstack.cloud.ceph_auth
'''

EXAMPLES = r'''
- name: Read client.cinder's key on the admin host
  cephstack.cloud.ceph_auth_info:
    names: [client.cinder]
    return_keys: true
  delegate_to: ceph-admin
  run_once: true
  register: cinder_user
  no_log: true

- name: Its keyring on the cinder-volume host, readable by group cinder only
  cephstack.cloud.ceph_keyring:
    name: client.cinder
    key: "{{ cinder_user.entities['client.cinder'].key }}"
    path: /etc/ceph/ceph.client.cinder.keyring
    owner: root
    group: cinder
    mode: '0640'
  no_log: true
'''

RETURN = r'''
keyring:
  description: Path, entity, owner, group and mode of the file after the run (predicted in check mode). Never the key.
  returned: always
  type: dict
  sample: {path: /etc/ceph/ceph.client.cinder.keyring, entity: client.cinder, owner: root, group: cinder, mode: '0640'}
commands:
  description: What changed the file, the same in check mode and in a real run.
  returned: always
  type: list
  elements: str
  sample: ["write keyring /etc/ceph/ceph.client.cinder.keyring"]
'''

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_values import (
    check_cephx_key, check_entity, keyring_text, redact_keyring)
from ansible_collections.cephstack.cloud.plugins.module_utils.config_file import (
    ManagedFile, file_state, parse_keyring)
from ansible_collections.cephstack.cloud.plugins.module_utils.resource import (
    ModuleFailure, ResourceModule)


class CephKeyring(ResourceModule):
    argument_spec = dict(
        name=dict(type="str", required=True),
        key=dict(type="str", no_log=True),
        path=dict(type="path", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        mode=dict(type="raw", default="0600"),
    )
    required_if = [("state", "present", ["key"])]
    add_file_common_args = True

    def validate(self):
        p = self.params
        try:
            check_entity(p["name"])
            if p["key"] is not None:
                p["key"] = check_cephx_key(p["key"])
        except ValueError as e:
            raise ModuleFailure(str(e))
        self.file = ManagedFile(self.module, p["path"], self.module.load_file_common_arguments(p),
                                default_mode="0600", label="keyring")
        if int(self.file.file_args["mode"], 8) & 0o007:
            self.warn("mode=%s makes %s readable by every user; use 0640 or 0600" % (p["mode"], p["path"]))

    def read(self):
        return file_state(self.params["path"])

    def decide(self, before, seen):
        p = self.params
        if p["state"] == "absent":
            return self.file.remove_change(before)
        return self.file.changes(before, keyring_text(p["name"], p["key"], None))

    def redact(self, state, seen):
        return dict(state, text=redact_keyring(state["text"])) if state else state

    def report(self, after, seen, changes):
        if not after:
            return dict(keyring={})
        entities = sorted(parse_keyring(after["text"]))
        return dict(keyring=dict(path=self.params["path"], entity=", ".join(entities),
                                 owner=after["owner"], group=after["group"], mode=after["mode"]))


# check_mode and diff: ResourceModule.execute() predicts the after-state from the Changes' effects.
def main():
    CephKeyring().execute()


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: ceph_auth_info
short_description: Read cephx entities, their caps and (on request) their keys
version_added: 1.0.0
description:
  - Reads cephx entities without changing anything, in one call whatever their number
    (C(auth get) for one entity, C(auth ls) for several).
  - Roles use it to read a key for a keyring or a libvirt secret, and caps for cross-checks,
    so that no role runs a write module in check mode to read.
author:
  - cephstack.cloud contributors (@cephstack)
extends_documentation_fragment:
  - cephstack.cloud.attributes
  - cephstack.cloud.ceph_connection
options:
  names:
    description: Entities to read, such as C(client.cinder). Empty reads every entity.
    type: list
    elements: str
    default: []
  return_keys:
    description: Include each entity's key in RV(entities). Set C(no_log) on the task.
    type: bool
    default: false
seealso:
  - module: cephstack.cloud.ceph_auth
  - module: cephstack.cloud.ceph_keyring
'''

EXAMPLES = r'''
- name: Read client.cinder with its key (keep it out of logs)
  cephstack.cloud.ceph_auth_info:
    names: [client.cinder]
    return_keys: true
  register: cinder_user
  no_log: true

- name: Fail early when a user is missing
  ansible.builtin.assert:
    that: "'client.cinder' in cinder_user.entities"
'''

RETURN = r'''
entities:
  description:
    - The entities found, by name. Keys only with O(return_keys=true).
    - C(key_type) is the key's cipher, V(aes) or V(aes256k) (version 0.2.0); it is given without the key.
  returned: always
  type: dict
  sample: {client.cinder: {name: client.cinder, key_type: aes256k, caps: {mon: profile rbd, osd: profile rbd pool=volumes}}}
missing:
  description: The names of O(names) that do not exist.
  returned: always
  type: list
  elements: str
commands:
  description: Always empty; the module only reads.
  returned: always
  type: list
  elements: str
transport:
  description: The transport used, V(librados) or V(cli).
  returned: always
  type: str
ceph_calls:
  description: Number of mon commands this run made.
  returned: always
  type: int
connection:
  description: V(reused), V(started) or V(off); see O(keep_connection_seconds).
  returned: always
  type: str
  version_added: 1.0.0
'''

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_module import (
    CephInfoModule, ModuleFailure)
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_values import (
    cephx_key_type, check_entity, normalize_caps)


class CephAuthInfo(CephInfoModule):
    argument_spec = dict(
        names=dict(type="list", elements="str", default=[]),
        return_keys=dict(type="bool", default=False, no_log=False),
    )

    def validate(self):
        try:
            for name in self.params["names"]:
                check_entity(name, "names")
        except ValueError as e:
            raise ModuleFailure(str(e))

    def read(self):
        names = self.params["names"]
        if len(names) == 1:
            raw = self.runner.get("auth get", entity=names[0]) or []
        else:
            raw = (self.runner.mon("auth ls") or {}).get("auth_dump", [])
        found = {}
        for entry in raw:
            if names and entry["entity"] not in names:
                continue
            entity = dict(name=entry["entity"], caps=normalize_caps(entry.get("caps") or {}),
                          key_type=cephx_key_type(entry["key"]))
            if self.params["return_keys"]:
                entity["key"] = entry["key"]
            found[entry["entity"]] = entity
        return dict(entities=found, missing=[n for n in names if n not in found])


# check_mode and diff: ResourceModule.execute() predicts the after-state from the Changes' effects.
def main():
    CephAuthInfo().execute()


if __name__ == "__main__":
    main()

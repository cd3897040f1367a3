#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: cephfs_subvolume_access
short_description: Give a cephx user read-write or read-only access to one CephFS subvolume's path
version_added: 1.0.0
description:
  - Authorizes a cephx user for one subvolume with the mgr volumes plugin (C(fs subvolume authorize)),
    as Manila's CephFS driver does. The user's caps are limited to the subvolume's path (mds), its
    data pool and RADOS namespace (osd), and C(allow r) on the monitors.
  - Reads the subvolume's authorized users with one C(fs subvolume authorized_list) call.
  - A different O(access_level) authorizes again with the new level.
  - V(absent) deauthorizes the user from this subvolume only; access to other subvolumes stays. Ceph
    removes the cephx entity itself when it has no access left.
  - The key is returned only with O(return_key=true), and never in diff or commands.
author:
  - cephstack.cloud contributors (@cephstack)
extends_documentation_fragment:
  - cephstack.cloud.attributes
  - cephstack.cloud.ceph_connection
options:
  auth_id:
    description: The cephx id, without C(client.), such as C(alice).
    type: str
    required: true
  subvolume:
    description: The subvolume.
    type: str
    required: true
  fs:
    description: The CephFS file system (volume).
    type: str
    default: cephfs
  group:
    description: The subvolume's group. Ceph's default group when unset.
    type: str
  access_level:
    description: V(rw) or V(r).
    type: str
    choices: [rw, r]
    default: rw
  allow_existing_id:
    description: Authorize an id that exists but was not created by the volumes plugin.
    type: bool
    default: false
  return_key:
    description: Return the user's key in RV(key). Set C(no_log) on the task.
    type: bool
    default: false
  state:
    description: Whether the user has access to the subvolume.
    type: str
    choices: [present, absent]
    default: present
seealso:
  - module: cephstack.cloud.cephfs_subvolume
  - module: cephstack.cloud.ceph_keyring
'''

EXAMPLES = r'''
- name: The registry's host may write to its subvolume only
  cephstack.cloud.cephfs_subvolume_access:
    fs: cephfs
    group: containers
    subvolume: registry-data
    auth_id: registry
    access_level: rw
    return_key: true
  register: registry_access
  no_log: true
'''

RETURN = r'''
access:
  description: The access after the run (predicted in check mode). Empty when absent.
  returned: always
  type: dict
  sample: {auth_id: registry, subvolume: registry-data, access_level: rw}
key:
  description: The user's key.
  returned: when O(return_key=true), the access is present and the key is known (not for a new user in check mode)
  type: str
commands:
  description:
    - The commands that changed the cluster, the same in check mode and in a real run.
    - With O(transport=cli), the words of the C(ceph) tool's argv (its connection and output format options left
      out). With librados, V(mon_command) or V(mgr_command), a space, and the JSON text that was sent, the output
      format included.
  returned: always
  type: list
  elements: str
transport:
  description: The transport used, V(librados) or V(cli).
  returned: always
  type: str
ceph_calls:
  description: Number of mon and mgr commands this run made, reads included.
  returned: always
  type: int
connection:
  description: V(reused), V(started) or V(off); see O(keep_connection_seconds).
  returned: always
  type: str
  version_added: 1.0.0
'''

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_module import ABSENT, ModuleFailure
from ansible_collections.cephstack.cloud.plugins.module_utils.cephfs import CephfsModule


class CephfsSubvolumeAccess(CephfsModule):
    argument_spec = dict(
        auth_id=dict(type="str", required=True),
        subvolume=dict(type="str", required=True),
        access_level=dict(type="str", default="rw", choices=["rw", "r"]),
        allow_existing_id=dict(type="bool", default=False),
        return_key=dict(type="bool", default=False, no_log=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )

    def validate(self):
        self.validate_names("subvolume")
        if self.params["auth_id"].startswith("client.") or "/" in self.params["auth_id"]:
            raise ModuleFailure("auth_id=%r: give the id without 'client.', such as alice" % self.params["auth_id"])
        self.validate_names("auth_id")

    def args(self, **extra):
        return self.fs_args(sub_name=self.params["subvolume"], **extra)

    def read(self):
        p = self.params
        listed = self.info("fs subvolume authorized_list", sub_name=p["subvolume"])
        if listed is None:
            raise ModuleFailure("subvolume=%s does not exist in fs=%s%s" % (
                p["subvolume"], p["fs"], " group=%s" % p["group"] if p["group"] else ""))
        for entry in listed:
            if p["auth_id"] in entry:
                return dict(auth_id=p["auth_id"], subvolume=p["subvolume"], access_level=entry[p["auth_id"]])
        return None

    def decide(self, before, seen):
        p = self.params
        if p["state"] == "absent":
            return [self.mgr_change("fs subvolume deauthorize", ABSENT, **self.args(auth_id=p["auth_id"]))] \
                if before else []
        if before and before["access_level"] == p["access_level"]:
            return []
        granted = dict(auth_id=p["auth_id"], subvolume=p["subvolume"], access_level=p["access_level"])
        return [self.mgr_change("fs subvolume authorize", granted, access_level=p["access_level"],
                                allow_existing_id=True if p["allow_existing_id"] else None,
                                **self.args(auth_id=p["auth_id"]))]

    def report(self, after, seen, changes):
        result = dict(access=after or {})
        # An existing entity keeps its key when authorized; a new one has none until the real run.
        if self.params["return_key"] and after:
            entity = self.runner.get("auth get", entity="client." + self.params["auth_id"])
            if entity:
                result["key"] = entity[0]["key"]
        return result


# check_mode and diff: ResourceModule.execute() predicts the after-state from the Changes' effects.
def main():
    CephfsSubvolumeAccess().execute()


if __name__ == "__main__":
    main()

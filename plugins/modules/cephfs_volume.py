#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: cephfs_volume
short_description: Create and remove CephFS file systems (volumes)
version_added: 1.0.0
description:
  - Creates a CephFS file system with C(fs volume create), which creates its metadata and data
    pools (C(cephfs.NAME.meta), C(cephfs.NAME.data)), and removes it with C(fs volume rm).
  - Reads every file system in one C(fs ls) call.
  - Removal deletes the pools, so it needs the monitors' C(mon_allow_pool_delete); the module says so
    when it is off.
author:
  - cephstack.cloud contributors (@cephstack)
extends_documentation_fragment:
  - cephstack.cloud.attributes
  - cephstack.cloud.ceph_connection
options:
  name:
    description: The file system.
    type: str
    required: true
  state:
    description: Whether the file system should exist. V(absent) deletes it with all its data.
    type: str
    choices: [present, absent]
    default: present
seealso:
  - module: cephstack.cloud.cephfs_subvolume
'''

EXAMPLES = r'''
- name: The file system Manila's shares live in
  cephstack.cloud.cephfs_volume:
    name: cephfs
'''

RETURN = r'''
volume:
  description: The file system after the run (predicted in check mode). Empty when absent.
  returned: always
  type: dict
  sample: {name: cephfs, metadata_pool: cephfs.cephfs.meta, data_pools: [cephfs.cephfs.data]}
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

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_module import (
    ABSENT, Change, CephResourceModule, ModuleFailure, pool_deletion_refused)
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_commands import MGR
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_errors import CephPermissionDenied
from ansible_collections.cephstack.cloud.plugins.module_utils.cephfs import check_name


# The mgr takes its confirmation as a string argument named like the flag.
REMOVE = {"prefix": "fs volume rm", "yes-i-really-mean-it": "--yes-i-really-mean-it"}


class CephfsVolume(CephResourceModule):
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )

    def validate(self):
        try:
            check_name(self.params["name"], "name")
        except ValueError as e:
            raise ModuleFailure(str(e))

    def read(self):
        for fs in self.runner.mon("fs ls") or []:
            if fs["name"] == self.params["name"]:
                return dict(name=fs["name"], metadata_pool=fs["metadata_pool"], data_pools=fs["data_pools"])
        return None

    def decide(self, before, seen):
        name = self.params["name"]
        if self.params["state"] == "absent":
            return [Change(self.runner.describe(MGR, vol_name=name, **REMOVE), self.remove, ABSENT)] if before else []
        if before:
            return []
        created = dict(name=name, metadata_pool="cephfs.%s.meta" % name, data_pools=["cephfs.%s.data" % name])
        return [self.mgr_change("fs volume create", created, name=name)]

    def remove(self):
        name = self.params["name"]
        try:
            self.runner.mgr_write(vol_name=name, **REMOVE)
        except CephPermissionDenied as e:
            if "pool deletion is disabled" not in str(e):
                raise
            raise pool_deletion_refused("remove file system %s (it deletes its pools)" % name, e)

    def report(self, after, seen, changes):
        return dict(volume=after or {})


# check_mode and diff: ResourceModule.execute() predicts the after-state from the Changes' effects.
def main():
    CephfsVolume().execute()


if __name__ == "__main__":
    main()

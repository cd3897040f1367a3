#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: cephfs_subvolume_group
short_description: Create and remove CephFS subvolume groups
version_added: 1.0.0
description:
  - Creates a subvolume group (a directory that sets the pool layout, owner and mode of the
    subvolumes in it) with the mgr volumes plugin, and removes it.
  - Reads the group with one C(fs subvolumegroup info) call.
  - Ceph 16 cannot change the pool layout, owner or mode of an existing group; a difference fails
    with the current values rather than being ignored.
author:
  - cephstack.cloud contributors (@cephstack)
extends_documentation_fragment:
  - cephstack.cloud.attributes
  - cephstack.cloud.ceph_connection
options:
  name:
    description: The subvolume group.
    type: str
    required: true
  fs:
    description: The CephFS file system (volume).
    type: str
    default: cephfs
  pool_layout:
    description: Data pool of the group's files. Defaults to the file system's.
    type: str
  uid:
    description: Owner of the group's directory (default 0).
    type: int
  gid:
    description: Group of the group's directory (default 0).
    type: int
  mode:
    description: Octal mode of the group's directory (default V('0755')).
    type: str
  state:
    description: Whether the group should exist. V(absent) fails while the group holds subvolumes.
    type: str
    choices: [present, absent]
    default: present
'''

EXAMPLES = r'''
- name: The group Manila creates its shares in
  cephstack.cloud.cephfs_subvolume_group:
    fs: cephfs
    name: manila
    mode: '0755'
'''

RETURN = r'''
group:
  description: The group after the run (predicted in check mode). Empty when absent.
  returned: always
  type: dict
  sample: {name: manila, fs: cephfs, data_pool: cephfs.cephfs.data, uid: 0, gid: 0, mode: '0755'}
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
    ABSENT, UNKNOWN, ModuleFailure)
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_values import check_pool_name
from ansible_collections.cephstack.cloud.plugins.module_utils.cephfs import (
    CephfsModule, check_mode, dir_attrs)


class CephfsSubvolumeGroup(CephfsModule):
    fs_options = ("fs",)
    argument_spec = dict(
        name=dict(type="str", required=True),
        pool_layout=dict(type="str"),
        uid=dict(type="int"),
        gid=dict(type="int"),
        mode=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )

    def validate(self):
        p = self.params
        self.validate_names("name")
        try:
            p["mode"] = check_mode(p["mode"])
            if p["pool_layout"] is not None:
                check_pool_name(p["pool_layout"], "pool_layout")
        except ValueError as e:
            raise ModuleFailure(str(e))

    def read(self):
        info = self.info("fs subvolumegroup info", group_name=self.params["name"])
        if info is None:
            return None
        return dict(dir_attrs(info), name=self.params["name"], fs=self.params["fs"], data_pool=info.get("data_pool"))

    def decide(self, before, seen):
        p = self.params
        args = dict(vol_name=p["fs"], group_name=p["name"])
        if p["state"] == "absent":
            return [self.mgr_change("fs subvolumegroup rm", ABSENT, **args)] if before else []
        wanted = dict(data_pool=p["pool_layout"], uid=p["uid"], gid=p["gid"], mode=p["mode"])
        if before:
            differ = dict((k, v) for k, v in wanted.items() if v is not None and before[k] != v)
            if differ:
                raise ModuleFailure("subvolume group %s exists with %s; Ceph 16 cannot change %s of a group. "
                                    "Remove it and create it again, or match the current values"
                                    % (p["name"], ", ".join("%s=%s" % (k, before[k]) for k in sorted(differ)),
                                       ", ".join(sorted(differ))))
            return []
        created = dict(name=p["name"], fs=p["fs"], data_pool=p["pool_layout"] or UNKNOWN,
                       uid=0 if p["uid"] is None else p["uid"], gid=0 if p["gid"] is None else p["gid"],
                       mode=p["mode"] or "0755")
        return [self.mgr_change("fs subvolumegroup create", created, pool_layout=p["pool_layout"],
                                uid=p["uid"], gid=p["gid"], mode=p["mode"], **args)]

    def report(self, after, seen, changes):
        return dict(group=after or {})


# check_mode and diff: ResourceModule.execute() predicts the after-state from the Changes' effects.
def main():
    CephfsSubvolumeGroup().execute()


if __name__ == "__main__":
    main()

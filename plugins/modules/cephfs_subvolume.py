#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: cephfs_subvolume
short_description: CephFS subvolumes - size quota, layout, owner, snapshots - and their path
version_added: 1.0.0
description:
  - Creates, resizes and removes a CephFS subvolume (the directory a Manila share or a container
    volume is) with the mgr volumes plugin, and creates or removes its snapshots.
  - Reads the subvolume with one C(fs subvolume info) call (plus one C(fs subvolume snapshot ls)
    when O(snapshots) is set or the subvolume is to be removed), and returns its path.
  - The size is a quota. A resize happens only when it differs; a shrink below the bytes in use
    fails unless O(force=true).
  - Ceph cannot change the pool layout, owner, mode or namespace isolation of an existing
    subvolume; a difference fails with the current values.
author:
  - cephstack.cloud contributors (@cephstack)
extends_documentation_fragment:
  - cephstack.cloud.attributes
  - cephstack.cloud.ceph_connection
options:
  name:
    description: The subvolume.
    type: str
    required: true
  fs:
    description: The CephFS file system (volume).
    type: str
    default: cephfs
  group:
    description: The subvolume group. Ceph's default group C(_nogroup) when unset.
    type: str
  size:
    description:
      - Quota in bytes, or a size such as V(10G) (powers of 1024). V(0) means no quota.
      - The quota stays as it is when unset.
    type: raw
  force:
    description: Allow a shrink below the bytes the subvolume uses.
    type: bool
    default: false
  pool_layout:
    description: Data pool of the subvolume's files. Defaults to its group's.
    type: str
  uid:
    description: Owner of the subvolume's directory. Defaults to its group's.
    type: int
  gid:
    description: Group of the subvolume's directory. Defaults to its group's.
    type: int
  mode:
    description: Octal mode of the subvolume's directory (default V('0755')).
    type: str
  namespace_isolated:
    description:
      - Keep the subvolume's objects in a RADOS namespace of its own. Ceph names it
        C(fsvolumens_NAME) up to Reef, and C(fsvolumens__GROUP_NAME) in a group on Tentacle; the
        name is in the result's C(subvolume.pool_namespace), and unknown in check mode until it exists.
    type: bool
    default: false
  snapshots:
    description: Snapshots that should exist. Unset leaves snapshots alone.
    type: list
    elements: str
  prune_snapshots:
    description: With O(snapshots), remove the snapshots that are not listed.
    type: bool
    default: false
  state:
    description:
      - Whether the subvolume should exist. V(absent) deletes it and its data.
      - A subvolume with snapshots is not removed; list O(snapshots=[]) with O(prune_snapshots=true) to
        remove them in the same run.
    type: str
    choices: [present, absent]
    default: present
seealso:
  - module: cephstack.cloud.cephfs_subvolume_access
'''

EXAMPLES = r'''
- name: A 10 GiB subvolume in its own RADOS namespace, with a snapshot
  cephstack.cloud.cephfs_subvolume:
    fs: cephfs
    group: containers
    name: registry-data
    size: 10G
    namespace_isolated: true
    snapshots: [before-upgrade]
  register: subvolume

- name: The path to mount
  ansible.builtin.debug:
    msg: "{{ subvolume.subvolume.path }}"
'''

RETURN = r'''
subvolume:
  description:
    - The subvolume after the run. Empty when absent.
    - In check mode, the prediction; the path of a new subvolume is C((known after apply)).
  returned: always
  type: dict
  sample:
    name: registry-data
    fs: cephfs
    group: containers
    path: /volumes/containers/registry-data/5a3c...
    size: 10737418240
    bytes_used: 0
    data_pool: cephfs.cephfs.data
    pool_namespace: fsvolumens_registry-data
    uid: 0
    gid: 0
    mode: '0755'
    snapshots: [before-upgrade]
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
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_values import check_pool_name, parse_size
from ansible_collections.cephstack.cloud.plugins.module_utils.cephfs import (
    CephfsModule, check_mode, check_name, dir_attrs)
from ansible_collections.cephstack.cloud.plugins.module_utils.resource import predict

FIXED = ("data_pool", "uid", "gid", "mode", "pool_namespace")


class CephfsSubvolume(CephfsModule):
    argument_spec = dict(
        name=dict(type="str", required=True),
        size=dict(type="raw"),
        force=dict(type="bool", default=False),
        pool_layout=dict(type="str"),
        uid=dict(type="int"),
        gid=dict(type="int"),
        mode=dict(type="str"),
        namespace_isolated=dict(type="bool", default=False),
        snapshots=dict(type="list", elements="str"),
        prune_snapshots=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )

    def validate(self):
        p = self.params
        self.validate_names("name")
        try:
            p["mode"] = check_mode(p["mode"])
            if p["size"] is not None:
                p["size"] = parse_size(p["size"], "size")
            if p["pool_layout"] is not None:
                check_pool_name(p["pool_layout"], "pool_layout")
            for snap in p["snapshots"] or []:
                check_name(snap, "snapshots")
        except ValueError as e:
            raise ModuleFailure(str(e))
        if p["prune_snapshots"] and p["snapshots"] is None:
            raise ModuleFailure("prune_snapshots=true needs snapshots (the list to keep)")

    def args(self, **extra):
        return self.fs_args(sub_name=self.params["name"], **extra)

    def read(self):
        p = self.params
        info = self.info("fs subvolume info", sub_name=p["name"])
        if info is None:
            return None
        quota = info.get("bytes_quota")
        state = dict(dir_attrs(info), name=p["name"], fs=p["fs"], group=p["group"], path=info.get("path"),
                     size=quota if isinstance(quota, int) else 0, bytes_used=info.get("bytes_used"),
                     data_pool=info.get("data_pool"), pool_namespace=info.get("pool_namespace") or "")
        if p["snapshots"] is not None or p["state"] == "absent":
            state["snapshots"] = sorted(s["name"] for s in self.runner.mgr("fs subvolume snapshot ls", **self.args()) or [])
        return state

    def decide(self, before, seen):
        p = self.params
        if p["state"] == "absent":
            if not before:
                return []
            changes = self.snapshot_changes(before)
            left = predict(before, changes)["snapshots"]
            if left:
                raise ModuleFailure("subvolume %s has snapshots (%s), so it is not removed. Remove them first, "
                                    "or in the same run with snapshots: [] and prune_snapshots: true"
                                    % (p["name"], ", ".join(left)))
            return changes + [self.mgr_change("fs subvolume rm", ABSENT, **self.args())]
        if before is None:
            return [self.create_change()] + self.snapshot_changes(dict(snapshots=[]))
        wanted = dict(data_pool=p["pool_layout"], uid=p["uid"], gid=p["gid"], mode=p["mode"])
        differ = sorted(k for k, v in wanted.items() if v is not None and before[k] != v)
        if p["namespace_isolated"] and not before["pool_namespace"]:
            differ.append("pool_namespace")
        if differ:
            raise ModuleFailure("subvolume %s exists with %s; Ceph cannot change %s of a subvolume"
                                % (p["name"], ", ".join("%s=%s" % (k, before[k]) for k in differ), ", ".join(differ)))
        return self.resize_changes(before) + self.snapshot_changes(before)

    def create_change(self):
        p = self.params
        created = dict(name=p["name"], fs=p["fs"], group=p["group"], path=UNKNOWN, size=p["size"] or 0,
                       bytes_used=0, data_pool=p["pool_layout"] or UNKNOWN,
                       # its name is the release's: fsvolumens_<name> up to Reef, with the group in it later
                       pool_namespace=UNKNOWN if p["namespace_isolated"] else "",
                       uid=UNKNOWN if p["uid"] is None else p["uid"], gid=UNKNOWN if p["gid"] is None else p["gid"],
                       mode=p["mode"] or "0755")
        if p["snapshots"] is not None:
            created["snapshots"] = []
        return self.mgr_change("fs subvolume create", created, size=p["size"] or None, pool_layout=p["pool_layout"],
                               uid=p["uid"], gid=p["gid"], mode=p["mode"],
                               namespace_isolated=True if p["namespace_isolated"] else None, **self.args())

    def resize_changes(self, before):
        p = self.params
        size = p["size"]
        if size is None or size == before["size"]:
            return []
        if size and size < before["bytes_used"] and not p["force"]:
            raise ModuleFailure("size=%d is below the %d bytes subvolume %s uses; set force=true to shrink it anyway"
                                % (size, before["bytes_used"], p["name"]))
        return [self.mgr_change("fs subvolume resize", dict(size=size), new_size=str(size) if size else "infinite",
                                **self.args())]

    def snapshot_changes(self, before):
        p = self.params
        if p["snapshots"] is None:
            return []
        have = before.get("snapshots") or []
        changes = []
        for snap in sorted(set(p["snapshots"]) - set(have)):
            changes.append(self.mgr_change("fs subvolume snapshot create", snapshots_effect(add=snap),
                                           **self.args(snap_name=snap)))
        if p["prune_snapshots"]:
            for snap in sorted(set(have) - set(p["snapshots"])):
                changes.append(self.mgr_change("fs subvolume snapshot rm", snapshots_effect(remove=snap),
                                               **self.args(snap_name=snap)))
        return changes

    def report(self, after, seen, changes):
        return dict(subvolume=after or {})


def snapshots_effect(add=None, remove=None):
    def effect(state):
        snaps = set(state.get("snapshots") or [])
        if add:
            snaps.add(add)
        if remove:
            snaps.discard(remove)
        state["snapshots"] = sorted(snaps)
        return state
    return effect


# check_mode and diff: ResourceModule.execute() predicts the after-state from the Changes' effects.
def main():
    CephfsSubvolume().execute()


if __name__ == "__main__":
    main()

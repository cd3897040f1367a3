#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: ganeti_cluster_storage
short_description: Ganeti disk templates, instance policy and RBD disk parameters, at cluster and node-group level
version_added: 1.0.0
description:
  - Enables disk templates on a Ganeti cluster (by default C(rbd)), allows them in the instance
    policy, and sets the C(rbd) disk parameters C(pool) and C(access) for the cluster and for
    node groups (Ganeti's RADOS/Ceph design).
  - Reads C(gnt-cluster info), and C(gnt-group info) of the named groups, once each; then runs at
    most one C(gnt-cluster modify) and one C(gnt-group modify) per group, for what differs.
  - Ganeti bumps its serial number even when identical values are applied again, so the module
    decides by comparing parsed values, and a re-run changes nothing.
  - Runs on the Ganeti master node.
author:
  - cephstack.cloud contributors (@cephstack)
extends_documentation_fragment:
  - cephstack.cloud.attributes
options:
  disk_templates:
    description:
      - Disk templates to enable (V(present)) or disable (V(absent)).
      - Others stay enabled unless O(exclusive=true).
    type: list
    elements: str
    choices: [diskless, file, sharedfile, plain, drbd, rbd, blockdev, ext, gluster]
    default: [rbd]
  exclusive:
    description: With V(present), enable exactly O(disk_templates), in that order (the first is the default).
    type: bool
    default: false
  ipolicy:
    description:
      - Also allow O(disk_templates) in the cluster's instance policy. Enabling a template does
        not allow it there, and instances cannot use it until it is.
    type: bool
    default: true
  rbd_pool:
    description: The cluster's C(rbd:pool) disk parameter, the Ceph pool of instance disks.
    type: str
  rbd_access:
    description:
      - The cluster's C(rbd:access) disk parameter.
      - V(userspace) lets KVM open disks with qemu's librbd; V(kernelspace) maps them with the
        kernel rbd module.
    type: str
    choices: [userspace, kernelspace]
  node_groups:
    description:
      - Node groups whose own C(rbd) disk parameters override the cluster's.
      - With O(state=absent), their overrides are removed. Ganeti 3.0 cannot remove an
        C(rbd:access) override; it is set to the cluster's value instead, with a warning.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The node group. It must exist.
        type: str
        required: true
      rbd_pool:
        description: The group's C(rbd:pool).
        type: str
      rbd_access:
        description: The group's C(rbd:access).
        type: str
        choices: [userspace, kernelspace]
  state:
    description: V(absent) disables O(disk_templates) and removes the node groups' overrides.
    type: str
    choices: [present, absent]
    default: present
  timeout:
    description: Seconds each gnt-* call may take; a master that does not answer fails within it.
    type: int
    default: 60
requirements:
  - Ganeti's command-line tools and PyYAML (python3-yaml), on the master node.
seealso:
  - module: cephstack.cloud.ceph_pool
'''

EXAMPLES = r'''
- name: Instances on RBD, opened by qemu's librbd, in pool ganeti
  cephstack.cloud.ganeti_cluster_storage:
    disk_templates: [rbd]
    rbd_pool: ganeti
    rbd_access: userspace

- name: One node group keeps its disks in another pool, mapped by the kernel
  cephstack.cloud.ganeti_cluster_storage:
    node_groups:
      - {name: rack2, rbd_pool: ganeti-rack2, rbd_access: kernelspace}

- name: Disable rbd again (fails while instances use it)
  cephstack.cloud.ganeti_cluster_storage:
    disk_templates: [rbd]
    state: absent
'''

RETURN = r'''
cluster:
  description:
    - Enabled and allowed disk templates, the cluster's rbd parameters and the groups' own, after the run (predicted in check mode).
    - C(enabled_hypervisors) lists the cluster's hypervisors, which the module never changes; only C(kvm) opens
      O(rbd_access=userspace) disks.
  returned: always
  type: dict
  sample:
    enabled_hypervisors: [kvm]
    enabled_disk_templates: [diskless, rbd]
    ipolicy_disk_templates: [diskless, rbd]
    rbd: {pool: ganeti, access: userspace}
    node_groups: {rack2: {pool: ganeti-rack2, access: kernelspace}}
commands:
  description: The gnt-* commands that changed the cluster, the same in check mode and in a real run.
  returned: always
  type: list
  elements: str
  sample: ["gnt-cluster modify --enabled-disk-templates=diskless,rbd --ipolicy-disk-templates=diskless,rbd -D rbd:pool=ganeti"]
gnt_calls:
  description: Number of gnt-* invocations, reads included.
  returned: always
  type: int
'''

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_values import check_pool_name
from ansible_collections.cephstack.cloud.plugins.module_utils.ganeti_runner import (
    HAS_YAML, YAML_IMPORT_ERROR, GntRunner)
from ansible_collections.cephstack.cloud.plugins.module_utils.resource import (
    Change, ModuleFailure, ResourceModule)

DISK_TEMPLATES = ["diskless", "file", "sharedfile", "plain", "drbd", "rbd", "blockdev", "ext", "gluster"]
RBD_KEYS = ("pool", "access")


def diskparams_arg(values):
    return "rbd:" + ",".join("%s=%s" % (k, values[k]) for k in RBD_KEYS if k in values)


class GanetiClusterStorage(ResourceModule):
    argument_spec = dict(
        disk_templates=dict(type="list", elements="str", default=["rbd"], choices=DISK_TEMPLATES),
        exclusive=dict(type="bool", default=False),
        ipolicy=dict(type="bool", default=True),
        rbd_pool=dict(type="str"),
        rbd_access=dict(type="str", choices=["userspace", "kernelspace"]),
        node_groups=dict(type="list", elements="dict", default=[], options=dict(
            name=dict(type="str", required=True),
            rbd_pool=dict(type="str"),
            rbd_access=dict(type="str", choices=["userspace", "kernelspace"]),
        )),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        timeout=dict(type="int", default=60),
    )
    timeout_options = ("timeout",)

    def make_runner(self):
        if not HAS_YAML:
            self.module.fail_json(msg=missing_required_lib("PyYAML"), exception=YAML_IMPORT_ERROR)
        return GntRunner(self.module, self.params["timeout"])

    def runner_facts(self):
        return dict(gnt_calls=self.runner.call_count)

    def validate(self):
        p = self.params
        try:
            if p["rbd_pool"] is not None:
                check_pool_name(p["rbd_pool"], "rbd_pool")
            for i, group in enumerate(p["node_groups"]):
                if group["rbd_pool"] is not None:
                    check_pool_name(group["rbd_pool"], "node_groups[%d].rbd_pool" % i)
        except ValueError as e:
            raise ModuleFailure(str(e))
        names = [g["name"] for g in p["node_groups"]]
        if len(set(names)) != len(names):
            raise ModuleFailure("node_groups names must be unique, got %s" % ", ".join(names))
        if not p["disk_templates"] and (p["exclusive"] or p["state"] == "absent"):
            raise ModuleFailure("disk_templates must not be empty with exclusive=true or state=absent")

    def read(self):
        info = self.runner.cluster_info()
        groups = {}
        names = [g["name"] for g in self.params["node_groups"]]
        if names:
            found = self.runner.groups_info(names)
            missing = [n for n in names if n not in found]
            if missing:
                raise ModuleFailure("node_groups: %s does not exist on this Ganeti cluster"
                                    % ", ".join("name=%s" % n for n in missing))
            groups = dict((n, dict((k, v) for k, v in found[n].get("rbd", {}).items() if k in RBD_KEYS))
                          for n in names)
        rbd = info["diskparams"].get("rbd", {})
        return dict(enabled_hypervisors=info["enabled_hypervisors"],
                    enabled_disk_templates=info["enabled_disk_templates"],
                    ipolicy_disk_templates=info["ipolicy_disk_templates"],
                    rbd=dict((k, rbd[k]) for k in RBD_KEYS if k in rbd), node_groups=groups)

    def decide(self, before, seen):
        p = self.params
        want = p["disk_templates"]
        enabled = list(before["enabled_disk_templates"])
        allowed = list(before["ipolicy_disk_templates"])
        rbd = {}
        if p["state"] == "present":
            enabled = list(want) if p["exclusive"] else enabled + [t for t in want if t not in enabled]
            allowed = [t for t in allowed if t in enabled]
            if p["ipolicy"]:
                allowed += [t for t in want if t not in allowed]
            wanted_rbd = dict(pool=p["rbd_pool"], access=p["rbd_access"])
            rbd = dict((k, v) for k, v in wanted_rbd.items() if v is not None and before["rbd"].get(k) != v)
        else:
            enabled = [t for t in enabled if t not in want]
            allowed = [t for t in allowed if t not in want]
            if not enabled:
                raise ModuleFailure("state=absent would disable every disk template (%s); Ganeti needs one. "
                                    "Enable another first" % ", ".join(want))
        changes = []
        args = []
        if enabled != before["enabled_disk_templates"]:
            args.append("--enabled-disk-templates=" + ",".join(enabled))
        if allowed != before["ipolicy_disk_templates"]:
            args.append("--ipolicy-disk-templates=" + ",".join(allowed))
        if rbd:
            args += ["-D", diskparams_arg(rbd)]
        if args:
            effect = dict(enabled_disk_templates=enabled, ipolicy_disk_templates=allowed,
                          rbd=dict(before["rbd"], **rbd))
            modify = self.runner.modify_cluster(args)
            changes.append(Change(modify.command, modify.run, effect))
        for group in p["node_groups"]:
            changes += self.group_changes(before, group)
        return changes

    def group_changes(self, before, group):
        name = group["name"]
        current = before["node_groups"][name]
        if self.params["state"] == "absent":
            wanted, args = self.group_reset(before, name, current)
        else:
            given = dict(pool=group["rbd_pool"], access=group["rbd_access"])
            wanted = dict(current, **dict((k, v) for k, v in given.items() if v is not None))
            args = dict((k, v) for k, v in wanted.items() if current.get(k) != v)
        if not args:
            return []
        argv = ["-D", diskparams_arg(args)]

        def effect(state):
            state["node_groups"][name] = wanted
            return state
        modify = self.runner.modify_group(name, argv)
        return [Change(modify.command, modify.run, effect)]

    def group_reset(self, before, name, current):
        """Inherit the cluster's rbd parameters again. Ganeti 3.0.2 takes 'default' (inherit) for
        rbd:pool but refuses it for rbd:access, so an access override becomes the cluster's value."""
        wanted, args = {}, {}
        if "pool" in current:
            args["pool"] = "default"
        if "access" in current:
            cluster_access = before["rbd"].get("access")
            wanted["access"] = cluster_access
            if current["access"] != cluster_access:
                args["access"] = cluster_access
            self.warn("node group %s keeps rbd:access=%s as its own value: Ganeti cannot reset an access "
                      "override, so it was set to the cluster's value" % (name, cluster_access))
        return wanted, args

    def report(self, after, seen, changes):
        return dict(cluster=after)


# check_mode and diff: ResourceModule.execute() predicts the after-state from the Changes' effects.
def main():
    GanetiClusterStorage().execute()


if __name__ == "__main__":
    main()

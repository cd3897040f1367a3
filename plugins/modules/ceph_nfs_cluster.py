#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: ceph_nfs_cluster
short_description: Ensure an NFS cluster of Ceph's mgr nfs module, for Ganesha daemons run outside an orchestrator
version_added: 1.0.0
description:
  - Ensures that Ceph's mgr C(nfs) module knows an NFS cluster, that is the pool C(.nfs) and the cluster's
    common configuration object C(conf-nfs.NAME) in the namespace C(NAME), which the cluster's
    Ganesha daemons read (C(%url rados://.nfs/NAME/conf-nfs.NAME)) and to which the mgr adds one
    line per export. Exports (C(ceph nfs export ...), or Manila's C(cephfs_nfs_cluster_id)) then
    land in RADOS.
  - For clusters without an orchestrator, whose Ganesha daemons the operator runs (role
    cephstack.cloud.nfs_ganesha_cephfs). Where cephadm or Rook runs the daemons, create the
    cluster with the orchestrator (C(ceph nfs cluster create NAME PLACEMENT)) instead.
  - Reads the clusters in one C(nfs cluster ls) call and creates a missing one with C(nfs cluster
    create). An existing cluster is never written to, so its exports stay.
  - Enables the mgr C(nfs) module (C(mgr module enable nfs)) when it is off, and waits until it
    answers.
  - Needs Ceph 18.2 (Reef) or later, whose mgr lists the clusters from RADOS when no orchestrator
    is set. Ceph 16.2's mgr lists NFS clusters only through an orchestrator; the module says so.
  - Removal is the orchestrator's (C(ceph nfs cluster rm) removes the daemons through it).
author:
  - cephstack.cloud contributors (@cephstack)
extends_documentation_fragment:
  - cephstack.cloud.attributes
  - cephstack.cloud.ceph_connection
options:
  name:
    description: The NFS cluster id (the namespace in C(.nfs) and the suffix of C(conf-nfs.NAME)).
    type: str
    required: true
seealso:
  - module: cephstack.cloud.cephfs_volume
  - name: CephFS and RGW exports over NFS
    description: Ceph's mgr nfs module.
    link: https://docs.ceph.com/en/latest/mgr/nfs/
'''

EXAMPLES = r'''
- name: The NFS cluster whose exports Manila manages (cephfs_nfs_cluster_id = cephnfs)
  cephstack.cloud.ceph_nfs_cluster:
    name: cephnfs
'''

RETURN = r'''
nfs_cluster:
  description: The cluster after the run (predicted in check mode).
  returned: always
  type: dict
  sample: {name: cephnfs, pool: .nfs, namespace: cephnfs, config_object: conf-nfs.cephnfs}
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
  description: The transport used, V(librados), V(cli) or V(cephadm).
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
'''

import time

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_module import (
    Change, CephResourceModule, ModuleFailure)
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_commands import MON
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_errors import CephError, CephNotFound
from ansible_collections.cephstack.cloud.plugins.module_utils.command_runner import LazyPattern

# The mgr nfs module's own rule for cluster ids.
CLUSTER_ID_RE = LazyPattern(r"^[A-Za-z0-9_.-]{1,64}$")


def cluster_ids(answer):
    """nfs cluster ls answers a JSON list on current releases, one id per line on older ones."""
    if answer is None:
        return []
    if isinstance(answer, list):
        return [str(c) for c in answer]
    return [line.strip() for line in str(answer).splitlines() if line.strip()]


# How the mgr answers an nfs command while its nfs module is off, or still loading after enable.
MODULE_OFF = "Module 'nfs' is not enabled"
ENABLE = {"prefix": "mgr module enable", "module": "nfs"}


def cluster_state(name):
    return dict(name=name, pool=".nfs", namespace=name, config_object="conf-nfs." + name)


class CephNfsCluster(CephResourceModule):
    argument_spec = dict(
        name=dict(type="str", required=True),
    )

    def validate(self):
        if not CLUSTER_ID_RE.match(self.params["name"]):
            raise ModuleFailure("name=%r is not an NFS cluster id: use 1-64 characters from A-Z a-z 0-9 _ . -"
                                % self.params["name"])

    def read(self):
        try:
            answer = self.runner.mgr("nfs cluster ls")
        except CephNotFound as e:
            if "orchestrator" not in str(e).lower():
                raise
            raise ModuleFailure("this cluster's mgr nfs module lists NFS clusters only through an orchestrator "
                                "(%s); Ceph 18.2 and later list those without one from RADOS. Use the "
                                "orchestrator (ceph nfs cluster create) on this cluster." % e)
        except CephError as e:
            if MODULE_OFF not in str(e):
                raise
            return dict(module_enabled=False)
        name = self.params["name"]
        return dict(cluster_state(name), module_enabled=True) if name in cluster_ids(answer) else None

    def decide(self, before, seen):
        if before and before.get("module_enabled") and before.get("name"):
            return []
        name = self.params["name"]
        changes = [Change(self.runner.describe(MON, **ENABLE), self.enable_module)] if before else []
        return changes + [self.mgr_change("nfs cluster create", dict(cluster_state(name), module_enabled=True),
                                          cluster_id=name)]

    def enable_module(self):
        """mgr module enable nfs, then wait until the module answers (about a second). With the
        module off, whether the cluster exists was unknown: create would empty the configuration
        object of an existing one, so the run stops there and a re-run finds it."""
        self.runner.write(ENABLE["prefix"], module=ENABLE["module"])
        deadline = time.time() + 60
        while True:
            try:
                answer = self.runner.mgr("nfs cluster ls")
                break
            except CephError as e:
                if MODULE_OFF not in str(e) or time.time() > deadline:
                    raise
            time.sleep(0.5)
        if self.params["name"] in cluster_ids(answer):
            raise ModuleFailure("enabled the mgr nfs module, which then listed NFS cluster %s: it exists, and was "
                                "not created again (that would empty its configuration object); run again to "
                                "confirm" % self.params["name"])

    def report(self, after, seen, changes):
        return dict(nfs_cluster=dict((k, v) for k, v in (after or {}).items() if k != "module_enabled")
                    if after and after.get("name") else {})


# check_mode and diff: ResourceModule.execute() predicts the after-state from the Changes' effects.
def main():
    CephNfsCluster().execute()


if __name__ == "__main__":
    main()

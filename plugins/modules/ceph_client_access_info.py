#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: ceph_client_access_info
short_description: Check what a client key reaches, without an admin key
version_added: 1.1.0
description:
  - Connects to a cluster as a client user, with that user's own key, and reads what the key
    itself can check. The monitors answer and accept it, they name the cluster's fsid, and the
    user may read each of O(pools), or not.
  - For clusters that another team runs, which gave the operator an fsid, monitor addresses and
    client keys but no admin key. Nothing is written and nothing is changed.
  - One C(mon dump), one C(osd pool ls), and one object C(stat) per pool that exists.
  - A key that the monitors refuse fails the task, with librados' own words.
author:
  - cephstack.cloud contributors (@cephstack)
extends_documentation_fragment:
  - cephstack.cloud.attributes
  - cephstack.cloud.ceph_connection
options:
  key:
    description:
      - The key of O(client_name), C(AQ...) (aes) or C(Ag...) (aes256k), used instead of
        O(client_keyring).
      - It goes into a keyring file of mode 0600, in a directory of mode 0700 that the module
        removes before it returns, since the C(ceph) CLI and librados read keys from keyrings only.
    type: str
  mon_host:
    description:
      - The monitors, in C(mon host) form (C([v2:10.0.0.1:3300,v1:10.0.0.1:6789] ...)), used
        instead of the monitors of O(conf). For a host that has no C(ceph.conf) yet.
    type: str
  pools:
    description: Pools whose read access RV(pools) reports.
    type: list
    elements: str
    default: []
notes:
  - O(keep_connection_seconds) cannot be used with O(key), since the keyring lives only as long as the task.
seealso:
  - module: cephstack.cloud.ceph_cluster_info
  - module: cephstack.cloud.ceph_keyring
'''

EXAMPLES = r'''
- name: Check client.cinder's key before writing its keyring (no admin key anywhere)
  cephstack.cloud.ceph_client_access_info:
    client_name: client.cinder
    key: "{{ vault_cinder_key }}"
    mon_host: "[v2:10.0.0.1:3300,v1:10.0.0.1:6789]"
    pools: [volumes, vms, images]
  register: cinder_access
  no_log: true

- name: Fail unless the key reads every pool
  ansible.builtin.assert:
    that: cinder_access.pools.values() | difference(['readable']) | length == 0
'''

RETURN = r'''
fsid:
  description: The cluster's fsid, as its monitors report it.
  returned: always
  type: str
  sample: 0d6c9f2a-3f0e-4b8e-9c71-1f1d1c2d9e11
pools:
  description:
    - For each of O(pools), V(readable), V(denied) (the user's caps do not allow reading it) or
      V(missing) (no such pool).
  returned: always
  type: dict
  sample: {volumes: readable, backups: denied}
commands:
  description: Always empty; this module changes nothing.
  returned: always
  type: list
  elements: str
transport:
  description: The transport used, V(librados) or V(cli).
  returned: always
  type: str
ceph_calls:
  description: Number of Ceph calls this run made.
  returned: always
  type: int
connection:
  description: Always V(off); see O(keep_connection_seconds).
  returned: always
  type: str
'''

import os
import shutil
import tempfile

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_errors import CephNotFound, CephPermissionDenied
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_module import CephInfoModule, ModuleFailure
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_runner import CephRunner, Connection
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_values import (
    check_cephx_key, check_entity, check_pool_name, keyring_text)

# An object name that no client writes: its stat answers "no such object" to a user who may read.
PROBE_OBJECT = "cephstack-client-access-probe"


class CephClientAccessInfo(CephInfoModule):
    argument_spec = dict(
        key=dict(type="str", no_log=True),
        mon_host=dict(type="str"),
        pools=dict(type="list", elements="str", default=[]),
    )

    def validate(self):
        p = self.params
        try:
            check_entity(p["client_name"], "client_name")
            if p["key"] is not None:
                p["key"] = check_cephx_key(p["key"], "key")
            for pool in p["pools"]:
                check_pool_name(pool, "pools")
        except ValueError as e:
            raise ModuleFailure(str(e))
        if p["mon_host"] is not None and not p["mon_host"].strip():
            raise ModuleFailure("mon_host is empty; give the monitors in mon host form, "
                                "such as [v2:10.0.0.1:3300,v1:10.0.0.1:6789]")
        if p["key"] is not None and p["keep_connection_seconds"]:
            raise ModuleFailure("keep_connection_seconds=%s cannot be used with key: the keyring made from key "
                                "lives only as long as the task; use 0" % p["keep_connection_seconds"])

    def make_runner(self):
        p = self.params
        conf, keyring = p["conf"], p["client_keyring"]
        if p["key"] is not None or p["mon_host"] is not None:
            folder = tempfile.mkdtemp(prefix="cephstack-access-")     # mode 0700
            self.on_exit(lambda: shutil.rmtree(folder, ignore_errors=True))
            if p["key"] is not None:
                keyring = self.private_file(folder, "keyring", keyring_text(p["client_name"], p["key"], {}))
            if p["mon_host"] is not None:
                conf = self.private_file(folder, "ceph.conf", "[global]\nmon host = %s\n" % p["mon_host"].strip())
        connection = Connection(p["cluster"], conf, p["client_name"], keyring, p["connect_timeout"], 0,
                                p["cephadm_image"])
        if p["mon_host"] is not None:
            connection.where = "mon host %s" % p["mon_host"].strip()
        return CephRunner.for_module(self.module, connection, p["transport"])

    def explain(self, error):
        text = str(error)
        if isinstance(error, CephPermissionDenied) and "connect" in text:
            text += ("; the monitors refused %s: its key is not the one the cluster holds, or the cluster has "
                     "no such user" % self.params["client_name"])
        return text

    @staticmethod
    def private_file(folder, name, text):
        path = os.path.join(folder, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        return path

    def read(self):
        fsid = self.runner.mon("mon dump")["fsid"]
        pools = {}
        existing = set(self.runner.mon("osd pool ls") or []) if self.params["pools"] else set()
        for pool in self.params["pools"]:
            if pool not in existing:
                pools[pool] = "missing"
                continue
            try:
                self.runner.object_exists(pool, PROBE_OBJECT)
                pools[pool] = "readable"
            except CephPermissionDenied:
                pools[pool] = "denied"
            except CephNotFound:
                pools[pool] = "missing"
        return dict(fsid=fsid, pools=pools)


def main():
    CephClientAccessInfo().execute()


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: ceph_cluster_info
short_description: Read what a Ceph client needs to find the cluster
version_added: 1.0.0
description:
  - Returns the cluster's fsid and its monitors, in the forms a minimal client C(ceph.conf) uses.
  - Makes one C(mon dump) call and changes nothing.
author:
  - cephstack.cloud contributors (@cephstack)
extends_documentation_fragment:
  - cephstack.cloud.attributes
  - cephstack.cloud.ceph_connection
options: {}
'''

EXAMPLES = r'''
- name: Find the monitors
  cephstack.cloud.ceph_cluster_info:
    conf: /etc/ceph/ceph.conf
  register: ceph_cluster

- name: Show the mon_host line for clients
  ansible.builtin.debug:
    msg: "mon host = {{ ceph_cluster.mon_host }}"
'''

RETURN = r'''
fsid:
  description: The cluster's fsid.
  returned: always
  type: str
  sample: 0d6c9f2a-3f0e-4b8e-9c71-1f1d1c2d9e11
filesystems:
  description: The names of the cluster's CephFS file systems.
  returned: always
  type: list
  elements: str
  sample: [cephfs]
  version_added: 1.0.0
mon_host:
  description: The monitors' addresses in C(mon host) form, one address vector per monitor.
  returned: always
  type: str
  sample: "[v2:10.0.0.1:3300,v1:10.0.0.1:6789] [v2:10.0.0.2:3300,v1:10.0.0.2:6789]"
key_type:
  description:
    - The type of the keys the monitors mint by default, V(aes) or V(aes256k) (the monmap's
      C(auth_preferred_cipher)). Clusters before Squid 19.2.6 and Tentacle 20.2.4 mint V(aes) only.
  returned: always
  type: str
  sample: aes256k
  version_added: 1.0.0
allowed_key_types:
  description: The key types the monitors accept for authentication (the monmap's C(auth_allowed_ciphers)).
  returned: always
  type: list
  elements: str
  sample: [aes256k]
  version_added: 1.0.0
mons:
  description: Monitor names and address vectors.
  returned: always
  type: list
  elements: dict
  sample: [{name: a, addrs: ["v2:127.0.0.1:3300", "v1:127.0.0.1:6789"]}]
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
  description: Number of mon commands this run made.
  returned: always
  type: int
connection:
  description: V(reused), V(started) or V(off); see O(keep_connection_seconds).
  returned: always
  type: str
  version_added: 1.0.0
'''

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_module import CephInfoModule


class CephClusterInfo(CephInfoModule):
    argument_spec = {}

    def read(self):
        dump = self.runner.mon("mon dump")
        mons = []
        for mon in dump.get("mons", []):
            vec = mon.get("public_addrs", {}).get("addrvec") or \
                [dict(type="v1", addr=mon["public_addr"].split("/")[0])]
            mons.append(dict(name=mon["name"], addrs=["%s:%s" % (a["type"], a["addr"]) for a in vec]))
        filesystems = [f["name"] for f in self.runner.mon("fs ls") or []]
        # Clusters that know no key types have none of these fields: they mint and accept aes.
        preferred = (dump.get("auth_preferred_cipher") or {}).get("name") or "aes"
        allowed = [c["name"] for c in dump.get("auth_allowed_ciphers") or []] or ["aes"]
        return dict(fsid=dump["fsid"], mons=mons, filesystems=filesystems, key_type=preferred,
                    allowed_key_types=allowed, mon_host=" ".join("[%s]" % ",".join(m["addrs"]) for m in mons))


# check_mode and diff: ResourceModule.execute() predicts the after-state from the Changes' effects.
def main():
    CephClusterInfo().execute()


if __name__ == "__main__":
    main()

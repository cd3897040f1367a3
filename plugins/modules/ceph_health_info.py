#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: ceph_health_info
short_description: Ceph health, PGs, pool usage, OSDs and mon quorum, as facts or as a Ganeti data collector report
version_added: 1.0.0
description:
  - Reads the cluster's state in one batch (C(status) and C(df detail)) and returns the health status
    and its checks, PG counts by state, per-pool usage and quotas, OSD up/in counts and the mon quorum.
  - With O(format=ganeti), returns the same data as a report in the format of Ganeti's monitoring
    daemon data collectors (the "Ceph data collector" of Ganeti's RADOS/Ceph design), so it can feed
    the same monitoring.
  - Changes nothing. Useful before a change, for example to assert that health is C(HEALTH_OK).
author:
  - cephstack.cloud contributors (@cephstack)
extends_documentation_fragment:
  - cephstack.cloud.attributes
  - cephstack.cloud.ceph_connection
options:
  format:
    description:
      - V(facts) returns RV(health), RV(pgs), RV(pools), RV(osds) and RV(quorum).
      - V(ganeti) returns them inside RV(report), a Ganeti data collector report.
    type: str
    choices: [facts, ganeti]
    default: facts
seealso:
  - name: Ganeti monitoring daemon design
    description: The data collector report format.
    link: https://docs.ganeti.org/docs/ganeti/3.0/html/design-monitoring-agent.html
'''

EXAMPLES = r'''
- name: Read the cluster's health
  cephstack.cloud.ceph_health_info:
  register: ceph

- name: Stop before a change when the cluster is not healthy
  ansible.builtin.assert:
    that: ceph.health.status == 'HEALTH_OK'
    fail_msg: "Ceph is {{ ceph.health.status }}: {{ ceph.health.checks | dict2items | map(attribute='key') | join(', ') }}"

- name: The same data as a Ganeti data collector report
  cephstack.cloud.ceph_health_info:
    format: ganeti
  register: ceph_report
'''

RETURN = r'''
health:
  description: Health status and the checks that are raised, by name, with severity, summary and count.
  returned: when O(format=facts)
  type: dict
  sample: {status: HEALTH_WARN, checks: {POOL_FULL: {severity: HEALTH_WARN, summary: "1 pool(s) full", count: 1, muted: false}}}
pgs:
  description: PG count in all and by state.
  returned: when O(format=facts)
  type: dict
  sample: {total: 40, by_state: {active+clean: 40}}
pools:
  description: Per pool, by name, usage and quotas in bytes and objects (a quota of 0 is none).
  returned: when O(format=facts)
  type: dict
  sample: {volumes: {id: 4, stored_bytes: 19, used_bytes: 4096, objects: 1, max_avail_bytes: 3775390464,
           percent_used: 0.0, quota_bytes: 0, quota_objects: 0}}
osds:
  description: OSD counts.
  returned: when O(format=facts)
  type: dict
  sample: {total: 3, up: 3, in: 3}
quorum:
  description: Monitors in quorum, and all monitors.
  returned: when O(format=facts)
  type: dict
  sample: {names: [a, b, c], num_mons: 3}
report:
  description:
    - A Ganeti data collector report, in the format of Ganeti's monitoring agent design, C(kind) 1
      (status reporting), C(category) V(storage).
    - C(data.status) is the status object of a status reporting collector, C(code) and C(message).
      C(code) is 0 (OK) for HEALTH_OK; 1 (live-repairable) for HEALTH_WARN when every raised check
      is one that Ceph clears by itself as it recovers (PG_DEGRADED, OBJECT_MISPLACED) and PGs are
      recovering or backfilling; 2 (needs an administrator) for any other HEALTH_WARN and for
      HEALTH_ERR; 4 (unknown) when the cluster reports no health status. C(message) is the health
      status and the raised checks.
    - The facts above are in C(data) too. C(timestamp) is in nanoseconds since the epoch.
  returned: when O(format=ganeti)
  type: dict
  sample: {name: ceph, version: "16.2.15", format_version: 1, timestamp: 1795284207000000000,
           category: storage, kind: 1, data: {status: {code: 0, message: HEALTH_OK}, health: {}}}
commands:
  description: Always empty; the module only reads.
  returned: always
  type: list
  elements: str
ceph_calls:
  description: Number of mon commands this run made (2; 3 with O(format=ganeti), which reads the version too).
  returned: always
  type: int
connection:
  description: V(reused), V(started) or V(off); see O(keep_connection_seconds).
  returned: always
  type: str
  version_added: 1.0.0
transport:
  description: The transport used, V(librados) or V(cli).
  returned: always
  type: str
'''

import time

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_module import CephInfoModule

# Ganeti's status codes for a status reporting collector
GANETI_OK = 0
GANETI_LIVE_REPAIRABLE = 1
GANETI_NEEDS_ADMIN = 2
GANETI_UNKNOWN = 4
# Checks that Ceph clears by itself once recovery or backfill is done
SELF_CLEARING_CHECKS = frozenset(["PG_DEGRADED", "OBJECT_MISPLACED"])
STATUS_REPORTING = 1


def health_facts(status, df):
    """The facts from `status` and `df detail` output."""
    health = status.get("health") or {}
    checks = dict((name, dict(severity=c.get("severity"), summary=(c.get("summary") or {}).get("message"),
                              count=(c.get("summary") or {}).get("count"), muted=c.get("muted", False)))
                  for name, c in (health.get("checks") or {}).items())
    pgmap = status.get("pgmap") or {}
    osdmap = status.get("osdmap") or {}
    osdmap = osdmap.get("osdmap", osdmap)       # Nautilus nests it once more
    pools = {}
    for pool in df.get("pools") or []:
        s = pool.get("stats") or {}
        pools[pool["name"]] = dict(id=pool["id"], stored_bytes=s.get("stored"), used_bytes=s.get("bytes_used"),
                                   objects=s.get("objects"), max_avail_bytes=s.get("max_avail"),
                                   percent_used=s.get("percent_used"), quota_bytes=s.get("quota_bytes", 0),
                                   quota_objects=s.get("quota_objects", 0))
    return dict(
        health=dict(status=health.get("status"), checks=checks),
        pgs=dict(total=pgmap.get("num_pgs", 0),
                 by_state=dict((s["state_name"], s["count"]) for s in pgmap.get("pgs_by_state") or [])),
        pools=pools,
        osds=dict(total=osdmap.get("num_osds", 0), up=osdmap.get("num_up_osds", 0), **{"in": osdmap.get("num_in_osds", 0)}),
        quorum=dict(names=status.get("quorum_names") or [], num_mons=(status.get("monmap") or {}).get("num_mons")),
    )


def ganeti_status_code(facts):
    status = facts["health"]["status"]
    if status == "HEALTH_OK":
        return GANETI_OK
    if status == "HEALTH_WARN":
        recovering = any("recover" in state or "backfill" in state for state in facts["pgs"]["by_state"])
        if recovering and set(facts["health"]["checks"]) <= SELF_CLEARING_CHECKS:
            return GANETI_LIVE_REPAIRABLE
        return GANETI_NEEDS_ADMIN
    if status == "HEALTH_ERR":
        return GANETI_NEEDS_ADMIN
    return GANETI_UNKNOWN


def ganeti_report(facts, version, now_ns):
    status = facts["health"]["status"] or "no health status"
    raised = sorted(facts["health"]["checks"])
    message = "%s%s" % (status, (": " + ", ".join(raised)) if raised else "")
    data = dict(facts, status=dict(code=ganeti_status_code(facts), message=message))
    return dict(name="ceph", version=version, format_version=1, timestamp=now_ns, category="storage",
                kind=STATUS_REPORTING, data=data)


class CephHealthInfo(CephInfoModule):
    argument_spec = dict(
        format=dict(type="str", default="facts", choices=["facts", "ganeti"]),
    )

    def read(self):
        facts = health_facts(self.runner.mon("status") or {}, self.runner.mon("df", detail="detail") or {})
        if self.params["format"] == "facts":
            return facts
        versions = self.runner.mon("version") or {}
        version = str(versions.get("version", "")).split(" ")[2] if versions.get("version") else ""
        return dict(report=ganeti_report(facts, version, int(time.time() * 1e9)))


# check_mode and diff: ResourceModule.execute() predicts the after-state from the Changes' effects.
def main():
    CephHealthInfo().execute()


if __name__ == "__main__":
    main()

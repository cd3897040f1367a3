#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: ceph_pool
short_description: Manage Ceph pools
version_added: 1.0.0
description:
  - Creates, updates and removes a Ceph pool.
  - Reads all pools in one C(osd pool ls detail) call, then sets only the attributes that differ.
  - For a pool that does not exist yet, two more reads (C(quorum_status), and the manager's
    C(config show-with-defaults) of the leading monitor) let check mode predict what the cluster's
    defaults give it.
  - Runs C(rbd pool init) whenever an rbd pool lacks it, not only at creation, so a failed
    first run heals on the next.
author:
  - cephstack.cloud contributors (@cephstack)
extends_documentation_fragment:
  - cephstack.cloud.attributes
  - cephstack.cloud.ceph_connection
options:
  name:
    description: Pool name. 1-127 characters from C(A-Z a-z 0-9 _ . -), not starting with C(.) or C(-).
    type: str
    required: true
  state:
    description: Whether the pool should exist.
    type: str
    choices: [present, absent]
    default: present
  pg_num:
    description:
      - Number of placement groups. Must be at least 1.
      - Ignored, with a warning, while the effective O(pg_autoscale_mode) is V(on).
    type: int
  pgp_num:
    description: Number of placement groups for placement. At most O(pg_num).
    type: int
  pg_autoscale_mode:
    description: The PG autoscaler mode of the pool.
    type: str
    choices: ['on', 'off', 'warn']
  target_size_ratio:
    description: Expected share of the cluster's capacity, a hint for the autoscaler.
    type: float
  size:
    description: Replica count of a replicated pool. Not allowed for erasure-coded pools.
    type: int
  min_size:
    description: Replicas needed to serve I/O. At most O(size).
    type: int
  crush_rule:
    description: Name of the CRUSH rule. Must exist.
    type: str
  pool_type:
    description: Pool type. Fixed at creation; a different value for an existing pool fails.
    type: str
    choices: [replicated, erasure]
    default: replicated
  erasure_profile:
    description: Erasure code profile of an erasure-coded pool. Fixed at creation.
    type: str
    default: default
  allow_ec_overwrites:
    description:
      - Allow overwrites on an erasure-coded pool, needed for RBD and CephFS data.
      - Ceph cannot turn this off again; V(false) on a pool that has it fails.
    type: bool
  application:
    description:
      - Application to enable on the pool.
      - A pool that already has another application fails, rather than being re-purposed.
    type: str
    choices: [rbd, rgw, cephfs]
  rbd_init:
    description:
      - Run C(rbd pool init) when the pool lacks it. Defaults to true for replicated pools with
        O(application=rbd).
    type: bool
  quota_max_bytes:
    description: Byte quota. An integer or a size such as V(100G) (powers of 1024). V(0) removes it.
    type: raw
  quota_max_objects:
    description: Object quota. V(0) removes it.
    type: int
seealso:
  - module: cephstack.cloud.ceph_auth
'''

EXAMPLES = r'''
- name: Pool for Cinder volumes, two replicas, initialised for RBD
  cephstack.cloud.ceph_pool:
    name: volumes
    pg_num: 128
    size: 2
    min_size: 1
    application: rbd

- name: Erasure-coded data pool for RBD with a quota
  cephstack.cloud.ceph_pool:
    name: ec-data
    pool_type: erasure
    erasure_profile: default
    allow_ec_overwrites: true
    application: rbd
    quota_max_bytes: 10T

- name: Remove a pool (needs mon_allow_pool_delete=true)
  cephstack.cloud.ceph_pool:
    name: scratch
    state: absent
'''

RETURN = r'''
pool:
  description:
    - The pool after the run. Empty when absent.
    - In check mode, the prediction from the planned commands; what only the cluster can know
      (such as the id of a new pool) is C((known after apply)).
    - For a new pool, the fields that the task does not set are predicted from the cluster's own
      defaults (C(osd_pool_default_size), C(osd_pool_default_min_size),
      C(osd_pool_default_pg_autoscale_mode)), as the leading monitor runs with them.
  returned: always
  type: dict
  sample:
    name: volumes
    pool_id: 3
    pool_type: replicated
    size: 2
    min_size: 1
    pg_num: 128
    pgp_num: 128
    pg_autoscale_mode: "off"
    target_size_ratio: 0.0
    crush_rule_id: 0
    erasure_profile: ""
    allow_ec_overwrites: false
    applications: [rbd]
    quota_max_bytes: 0
    quota_max_objects: 0
    rbd_initialized: true
commands:
  description:
    - Commands that changed the cluster; in check mode, the ones that would run.
    - With O(transport=cli), the words of the C(ceph) tool's argv (its connection and output format options left
      out). With librados, V(mon_command) or V(mgr_command), a space, and the JSON text that was sent, the output
      format included.
  returned: always
  type: list
  elements: str
  sample: ["ceph osd pool set --pool volumes --var size --val 2"]
transport:
  description: The transport used, V(librados) or V(cli).
  returned: always
  type: str
ceph_calls:
  description: Number of mon commands and rados/rbd operations this run made, reads included.
  returned: always
  type: int
connection:
  description: V(reused), V(started) or V(off); see O(keep_connection_seconds).
  returned: always
  type: str
  version_added: 1.0.0
'''

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_module import (
    ABSENT, UNKNOWN, Change, CephResourceModule, ModuleFailure, pool_deletion_refused)
from ansible_collections.cephstack.cloud.plugins.module_utils.resource import Observed, predict
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_commands import MON
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_errors import CephError, CephPermissionDenied
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_values import (
    check_pool_name, parse_size)

POOL_TYPES = {1: "replicated", 3: "erasure"}
RBD_INIT_OBJECT = "rbd_info"


class CephPool(CephResourceModule):
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        pg_num=dict(type="int"),
        pgp_num=dict(type="int"),
        pg_autoscale_mode=dict(type="str", choices=["on", "off", "warn"]),
        target_size_ratio=dict(type="float"),
        size=dict(type="int"),
        min_size=dict(type="int"),
        crush_rule=dict(type="str"),
        pool_type=dict(type="str", default="replicated", choices=["replicated", "erasure"]),
        erasure_profile=dict(type="str", default="default"),
        allow_ec_overwrites=dict(type="bool"),
        application=dict(type="str", choices=["rbd", "rgw", "cephfs"]),
        rbd_init=dict(type="bool"),
        quota_max_bytes=dict(type="raw"),
        quota_max_objects=dict(type="int"),
    )

    def validate(self):
        p = self.params
        try:
            check_pool_name(p["name"])
            if p["quota_max_bytes"] is not None:
                p["quota_max_bytes"] = parse_size(p["quota_max_bytes"], "quota_max_bytes")
        except ValueError as e:
            raise ModuleFailure(str(e))
        for opt in ("pg_num", "pgp_num", "size", "min_size"):
            if p[opt] is not None and p[opt] < 1:
                raise ModuleFailure("%s must be at least 1, got %s" % (opt, p[opt]))
        if p["pg_num"] and p["pgp_num"] and p["pgp_num"] > p["pg_num"]:
            raise ModuleFailure("pgp_num (%s) must not exceed pg_num (%s)" % (p["pgp_num"], p["pg_num"]))
        if p["size"] and p["min_size"] and p["min_size"] > p["size"]:
            raise ModuleFailure("min_size (%s) must not exceed size (%s)" % (p["min_size"], p["size"]))
        for opt in ("target_size_ratio", "quota_max_objects"):
            if p[opt] is not None and p[opt] < 0:
                raise ModuleFailure("%s must not be negative, got %s" % (opt, p[opt]))
        if p["pool_type"] == "erasure" and p["size"] is not None:
            raise ModuleFailure("size is set by the erasure code profile (k+m); "
                                "do not set it with pool_type=erasure")
        if p["pool_type"] != "erasure" and p["allow_ec_overwrites"]:
            raise ModuleFailure("allow_ec_overwrites applies only to pool_type=erasure")
        if p["rbd_init"] and p["application"] not in (None, "rbd"):
            raise ModuleFailure("rbd_init=true needs application=rbd, got application=%s"
                                % p["application"])

    @property
    def wants_rbd_init(self):
        p = self.params
        if p["application"] != "rbd":
            return False
        if p["rbd_init"] is None:
            return p["pool_type"] == "replicated"
        return p["rbd_init"]

    # --- read ---------------------------------------------------------------
    def read(self):
        """The pool, and for decide() the crush rule's id and, for a pool to create, the
        monitors' defaults for the options not set."""
        p = self.params
        state = self.read_after()
        present = p["state"] == "present"
        return Observed(state, rule_id=self.crush_rule_id(p["crush_rule"]) if present and p["crush_rule"] else None,
                        new_pool_defaults=self.new_pool_defaults() if present and state is None else {})

    def read_after(self):
        name = self.params["name"]
        pools = self.runner.mon("osd pool ls", detail="detail") or []
        raw = next((x for x in pools if x["pool_name"] == name), None)
        if raw is None:
            return None
        apps = sorted(raw.get("application_metadata") or {})
        state = dict(
            name=name,
            pool_id=raw["pool_id"],
            pool_type=POOL_TYPES.get(raw["type"], str(raw["type"])),
            size=raw["size"],
            min_size=raw["min_size"],
            pg_num=raw.get("pg_num_target", raw["pg_num"]),
            pgp_num=raw.get("pg_placement_num_target", raw["pg_placement_num"]),
            pg_autoscale_mode=raw.get("pg_autoscale_mode"),
            target_size_ratio=float((raw.get("options") or {}).get("target_size_ratio", 0.0)),
            crush_rule_id=raw["crush_rule"],
            erasure_profile=raw.get("erasure_code_profile", ""),
            allow_ec_overwrites="ec_overwrites" in raw.get("flags_names", "").split(","),
            applications=apps,
            quota_max_bytes=raw["quota_max_bytes"],
            quota_max_objects=raw["quota_max_objects"],
            rbd_initialized=None,
        )
        if "rbd" in apps and self.wants_rbd_init:
            state["rbd_initialized"] = self.runner.object_exists(name, RBD_INIT_OBJECT)
        return state

    def crush_rule_id(self, rule_name):
        rules = self.runner.mon("osd crush rule dump") or []
        for rule in rules:
            if rule["rule_name"] == rule_name:
                return rule["rule_id"]
        raise ModuleFailure("crush_rule=%r does not exist; existing rules: %s"
                            % (rule_name, ", ".join(sorted(r["rule_name"] for r in rules))))

    # --- decide -------------------------------------------------------------
    def decide(self, before, seen):
        p = self.params
        name = p["name"]
        if p["state"] == "absent":
            rm = dict(prefix="osd pool rm", pool=name, pool2=name, yes_i_really_really_mean_it=True)
            return [Change(self.runner.describe(MON, **rm), lambda: self.remove(rm), ABSENT)] if before else []

        changes = []
        rule_id = seen.rule_id
        if before is None:
            changes.append(self.create_change(rule_id, seen.new_pool_defaults))
        else:
            if before["pool_type"] != p["pool_type"]:
                raise ModuleFailure("pool %s is %s; pool_type=%s cannot be changed on an existing pool"
                                    % (name, before["pool_type"], p["pool_type"]))
            if p["pool_type"] == "erasure" and before["erasure_profile"] != p["erasure_profile"]:
                raise ModuleFailure("pool %s uses erasure_profile %s; it cannot be changed to %s"
                                    % (name, before["erasure_profile"], p["erasure_profile"]))
        current = predict(before, changes)
        return changes + self.updates(current, rule_id)

    def create_change(self, rule_id, defaults):
        """osd pool create, and the pool it leaves: what create sets is known, the rest is not."""
        p = self.params
        name = p["name"]
        erasure = p["pool_type"] == "erasure"
        create = dict(pool=name, pool_type=p["pool_type"], pg_num=p["pg_num"],
                      pgp_num=p["pgp_num"] or p["pg_num"], rule=p["crush_rule"],
                      autoscale_mode=p["pg_autoscale_mode"],
                      erasure_code_profile=p["erasure_profile"] if erasure else None,
                      size=None if erasure else p["size"])

        def known(value):
            return UNKNOWN if value is None else value

        autoscale = p["pg_autoscale_mode"] or defaults.get("pg_autoscale_mode")
        size = min_size = UNKNOWN
        if not erasure:     # an erasure-coded pool's sizes come from its profile
            size = p["size"] or defaults.get("size") or UNKNOWN
            if size != UNKNOWN and defaults.get("min_size") is not None:
                # the monitors' rule: the default min_size, capped at size; 0 means a majority
                min_size = min(defaults["min_size"], size) if defaults["min_size"] else size - size // 2
        created = dict(name=name, pool_id=UNKNOWN, pool_type=p["pool_type"],
                       size=size, min_size=min_size,
                       pg_num=known(p["pg_num"]), pgp_num=known(p["pgp_num"] or p["pg_num"]),
                       pg_autoscale_mode=known(autoscale), target_size_ratio=0.0,
                       crush_rule_id=known(rule_id),
                       erasure_profile=p["erasure_profile"] if erasure else "",
                       allow_ec_overwrites=False, applications=[], quota_max_bytes=0,
                       quota_max_objects=0, rbd_initialized=None)
        return self.ceph_change("osd pool create", created, **create)

    def new_pool_defaults(self):
        """What the monitors give a new pool for the options not set: the leader's running
        osd_pool_default_* values (from its ceph.conf, the config database or the built-in
        default), as the manager reports them. {} when they cannot be read (no manager, or a user
        without the caps): the prediction then leaves those fields unknown."""
        try:
            leader = (self.runner.mon("quorum_status") or {}).get("quorum_leader_name")
            shown = self.runner.mgr("config show-with-defaults", who="mon.%s" % leader) if leader else None
        except CephError as e:
            self.warn("the defaults of new pools could not be read (%s); the prediction leaves size, "
                      "min_size and pg_autoscale_mode unknown" % e)
            return {}
        values = dict((o.get("name"), o.get("value")) for o in shown or [] if isinstance(o, dict))
        defaults = {}
        for field, option, kind in (("size", "osd_pool_default_size", int),
                                    ("min_size", "osd_pool_default_min_size", int),
                                    ("pg_autoscale_mode", "osd_pool_default_pg_autoscale_mode", str)):
            try:
                defaults[field] = kind(values[option])
            except (KeyError, TypeError, ValueError):
                pass
        return defaults

    def updates(self, cur, rule_id):
        p = self.params
        name = p["name"]
        out = []

        def value(key):
            return None if cur.get(key) == UNKNOWN else cur.get(key)

        def set_var(var, val, effect, confirm=False):
            text = ("true" if val else "false") if isinstance(val, bool) else str(val)
            out.append(self.ceph_change("osd pool set", effect, pool=name, var=var, val=text,
                                        yes_i_really_mean_it=True if confirm else None))

        def differs(key, want):
            return want is not None and cur.get(key) != want

        size, min_size = p["size"], p["min_size"]
        eff_size = size or value("size")
        if min_size and eff_size and min_size > eff_size:
            raise ModuleFailure("min_size (%s) must not exceed the pool's size (%s)" % (min_size, eff_size))
        # Lowering size below the current min_size needs min_size first.
        if differs("min_size", min_size) and value("min_size") and min_size < value("min_size"):
            set_var("min_size", min_size, dict(min_size=min_size))
            min_size = None
        if differs("size", size):
            if size == 1:
                self.warn("size=1 keeps a single copy of pool %s: losing one OSD loses data" % name)
            set_var("size", size, dict(size=size), confirm=size == 1)
        if differs("min_size", min_size):
            set_var("min_size", min_size, dict(min_size=min_size))
        if differs("pg_autoscale_mode", p["pg_autoscale_mode"]):
            set_var("pg_autoscale_mode", p["pg_autoscale_mode"], dict(pg_autoscale_mode=p["pg_autoscale_mode"]))
        autoscale = p["pg_autoscale_mode"] or value("pg_autoscale_mode")
        for opt in ("pg_num", "pgp_num"):
            if differs(opt, p[opt]):
                if autoscale == "on":
                    self.warn("%s=%s ignored for pool %s: pg_autoscale_mode is on (current %s=%s); "
                              "set pg_autoscale_mode=off or warn to manage it"
                              % (opt, p[opt], name, opt, cur.get(opt)))
                else:
                    set_var(opt, p[opt], self.pg_effect(opt, p[opt]))
        ratio = p["target_size_ratio"]
        if ratio is not None and abs((value("target_size_ratio") or 0.0) - ratio) > 1e-9:
            set_var("target_size_ratio", ratio, dict(target_size_ratio=ratio))
        if rule_id is not None and cur.get("crush_rule_id") != rule_id:
            set_var("crush_rule", p["crush_rule"], dict(crush_rule_id=rule_id))
        ec = p["allow_ec_overwrites"]
        if ec is not None and cur.get("allow_ec_overwrites") != ec:
            if not ec and cur.get("allow_ec_overwrites"):
                raise ModuleFailure("pool %s has allow_ec_overwrites; Ceph cannot turn it off" % name)
            set_var("allow_ec_overwrites", True, dict(allow_ec_overwrites=True))
        for field in ("max_bytes", "max_objects"):
            want = p["quota_" + field]
            if differs("quota_" + field, want):
                out.append(self.ceph_change("osd pool set-quota", {"quota_" + field: want},
                                            pool=name, field=field, val=str(want)))
        app = p["application"]
        apps = cur.get("applications") or []
        if app and app not in apps:
            if apps:
                raise ModuleFailure("pool %s already has application %s; refusing to add %s. "
                                    "Change it by hand if that is really meant"
                                    % (name, ", ".join(apps), app))
            out.append(self.ceph_change("osd pool application enable", dict(applications=sorted(apps + [app])),
                                        pool=name, app=app))
        if self.wants_rbd_init and not cur.get("rbd_initialized"):
            out.append(Change(self.runner.describe_pool_init(name), lambda: self.runner.rbd_pool_init(name),
                              dict(rbd_initialized=True)))
        return out

    def pg_effect(self, opt, num):
        """Since Nautilus the monitors move pgp_num along with pg_num unless it is set too."""
        if opt == "pg_num" and self.params["pgp_num"] is None:
            return dict(pg_num=num, pgp_num=num)
        return {opt: num}

    # --- apply --------------------------------------------------------------
    def remove(self, rm):
        """The pool's removal, as ``rm`` describes it; the mons' refusal is explained."""
        args = dict(rm)
        try:
            self.runner.write(args.pop("prefix"), **args)
        except CephPermissionDenied as e:
            raise pool_deletion_refused("delete pool %s" % rm["pool"], e)

    def report(self, after, seen, changes):
        return dict(pool=after or {})


# check_mode and diff: ResourceModule.execute() predicts the after-state from the Changes' effects.
def main():
    CephPool().execute()


if __name__ == "__main__":
    main()

# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for cephx caps, used by the roles' cross-checks."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_values import (
    ENTITY_RE, check_entity, check_pool_name, normalize_cap, osd_cap_allows, parse_osd_grant, reads_key_type)


def cephx_allows(osd_caps, pool, access="rwx", namespace=""):
    """``caps.osd | cephstack.cloud.cephx_allows('volumes')``: whether the OSD cap string gives
    ``access`` (r, w, x letters) on that exact pool. RBD clients need rwx; read-only profiles
    give r."""
    if not set(str(access)) <= set("rwx"):
        raise AnsibleFilterError("cephx_allows: access=%r must be letters of r, w, x" % (access,))
    return osd_cap_allows(osd_caps or "", str(pool), str(access), str(namespace or ""))


def ceph_name_errors(options, kind=None):
    """``{'glance_pool': glance_pool} | cephstack.cloud.ceph_name_errors('pool')``: a message for each
    option value that is not a valid name of that kind (V(pool): a Ceph pool name; V(user): a cephx
    id without C(client.); V(entity): a cephx entity, C(client.glance)). A value may be a list, whose
    items are checked each (a list option's items, as ``glance_stores | map(attribute='pool')``).
    Without ``kind``, the input maps kinds to such mappings: ``{'pool': {...}, 'user': {...}}``."""
    if kind is None:
        return [e for k, opts in (options or {}).items() for e in ceph_name_errors(opts, k)]
    if kind not in ("pool", "user", "entity"):
        raise AnsibleFilterError("ceph_name_errors: kind must be pool, user or entity, got %r" % (kind,))
    errors = []
    for option, values in (options or {}).items():
        for value in values if isinstance(values, list) else [values]:
            if kind in ("pool", "entity"):
                try:
                    (check_pool_name if kind == "pool" else check_entity)(value, option)
                except ValueError as e:
                    errors.append(str(e))
            elif not isinstance(value, str) or value.startswith("client.") or not ENTITY_RE.match("client." + value):
                errors.append("%s=%r is not a cephx id: use A-Z a-z 0-9 _ . - @, not starting with "
                              "'.', '-' or '@', and without 'client.' (e.g. glance)" % (option, value))
    return errors


def cephx_unreadable_keys(users, hostname, groups, librados_version, cluster_key_type, existing=None):
    """The keyrings ``hostname`` would get whose key its librados cannot read, as messages.

    ``users`` are ceph_clients_users items (name, keyring_groups, key_type, state); the key type a
    user ends up with is its ``key_type``, else its existing key's (``existing``: name ->
    key_type), else what the cluster mints (``cluster_key_type``)."""
    problems = []
    for user in users or []:
        if user.get("state", "present") != "present":
            continue
        wanted = [g for g in (user.get("keyring_groups") or {}) if hostname in (groups.get(g) or [])]
        if not wanted:
            continue
        name = user["name"]
        found = (existing or {}).get(name)
        current = found.get("key_type") if isinstance(found, dict) else found
        key_type = user.get("key_type") or current or cluster_key_type or "aes"
        if reads_key_type(librados_version, key_type):
            continue
        why = "its key_type" if user.get("key_type") else "its current key" if current else "what the cluster mints"
        problems.append(
            "%s: %s has an %s key (%s), which librados %s on this host cannot read (only Ceph 19.2.6, 20.2.4 "
            "and later clients read aes256k keys). Either give %s an aes key (key_type: aes in "
            "ceph_clients_users, on a cluster that allows aes: ceph mon set auth_allowed_ciphers aes256k,aes "
            "and ceph config set mon mon_auth_allow_insecure_key true), or install newer Ceph client "
            "packages on %s" % (hostname, name, key_type, why, librados_version, name, hostname))
    return problems


def cephx_pools(osd_caps):
    """``caps.osd | cephstack.cloud.cephx_pools``: the pools an OSD cap string names, in order, each
    once; grants for every pool, or for pools by prefix (``pool=vms*``), name none."""
    pools = []
    for grant in normalize_cap(osd_caps or "").split(", "):
        if grant:
            pool = parse_osd_grant(grant)["pool"]
            if pool and not pool.endswith("*") and pool not in pools:
                pools.append(pool)
    return pools


def client_access_errors(results, fsid, users):
    """Client-only mode: what a loop of ceph_client_access_info over a host's keyrings found wrong,
    a message per user that names the user and the pools (those its osd caps in ``users`` name).
    Items carry keys: only names are read."""
    errors = []
    caps = dict((u.get("name"), (u.get("caps") or {}).get("osd", "")) for u in users or [])
    for res in results or []:
        if res.get("skipped"):
            continue
        name = (res.get("item") or {}).get("name", "?")
        pools = cephx_pools(caps.get(name))
        if res.get("failed") or "fsid" not in res:     # failed_when: false clears "failed"
            errors.append("%s cannot log in, so it cannot reach pool(s) %s: %s" % (
                name, ", ".join(pools) or "(none named in its osd caps)", res.get("msg", "no message")))
            continue
        if fsid and res.get("fsid") not in (None, fsid):
            errors.append("%s logs in to a cluster whose fsid is %s, not the %s that ceph_clients_fsid names"
                          % (name, res.get("fsid"), fsid))
        for pool, access in sorted((res.get("pools") or {}).items()):
            if access != "readable":
                errors.append("%s cannot read pool %s: %s" % (
                    name, pool, "its caps do not allow it" if access == "denied" else "no such pool"))
    return errors


def cephx_aes_only_clients(versions):
    """The librados versions of a list that read only aes keys (unknown ones are left out)."""
    return [v for v in versions or [] if not reads_key_type(v, "aes256k")]


class FilterModule(object):
    def filters(self):
        return dict(cephx_allows=cephx_allows, cephx_unreadable_keys=cephx_unreadable_keys,
                    ceph_name_errors=ceph_name_errors,
                    cephx_aes_only_clients=cephx_aes_only_clients, cephx_pools=cephx_pools,
                    client_access_errors=client_access_errors)

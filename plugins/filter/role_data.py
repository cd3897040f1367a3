# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that build the roles' data: service config sections from lists of backends or
stores, the keyrings a host needs, and the cephx users a run leaves (or would leave)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import re

from ansible.errors import AnsibleFilterError

from ansible_collections.cephstack.cloud.plugins.module_utils.resource import is_unknown


def _required(item, key, what):
    if not isinstance(item, dict) or item.get(key) in (None, ""):
        raise AnsibleFilterError("%s %r needs %s" % (what, item, key))
    return item[key]


def cinder_rbd_sections(backends, defaults):
    """One cinder.conf section per RBD backend: ``backends`` items take name and pool, and
    override any key of ``defaults`` (user, ceph_conf, cluster_name, secret_uuid, ...)."""
    sections = {}
    for b in backends:
        name = _required(b, "name", "cinder backend")
        opt = dict(defaults)
        opt.update(dict((k, v) for k, v in b.items() if v is not None))
        sections[name] = {
            "volume_driver": "cinder.volume.drivers.rbd.RBDDriver",
            "volume_backend_name": opt.get("backend_name") or name,
            "rbd_pool": _required(b, "pool", "cinder backend"),
            "rbd_ceph_conf": opt["ceph_conf"],
            "rbd_cluster_name": opt["cluster_name"],
            "rbd_user": opt["user"],
            "rbd_secret_uuid": opt["secret_uuid"],
            "rbd_flatten_volume_from_snapshot": bool(opt["flatten_volume_from_snapshot"]),
            "rbd_max_clone_depth": opt["max_clone_depth"],
            "rbd_store_chunk_size": opt["store_chunk_size"],
            "rados_connect_timeout": opt["rados_connect_timeout"],
            "report_discard_supported": bool(opt["report_discard_supported"]),
        }
        if opt.get("availability_zone"):
            sections[name]["backend_availability_zone"] = opt["availability_zone"]
    return sections


def compute_secrets(hostvars, host):
    """The libvirt secret UUIDs a compute host of the inventory holds: its main one, and one per
    cluster of its nova_compute_volume_clusters."""
    hv = hostvars[host]
    main = hv.get("nova_compute_libvirt_secret_uuid") or hv.get("cephstack_libvirt_secret_uuid")
    return [u for u in [main] + [c.get("secret_uuid") for c in hv.get("nova_compute_volume_clusters") or []] if u]


def backend_secret_errors(backends, default_uuid, compute_hosts, hostvars):
    """A message for each cinder backend whose rbd_secret_uuid is not a UUID, or is not held by
    every compute host that attaches its volumes: those of its availability_zone (inventory
    variable cephstack_availability_zone), or every compute host for a backend without one."""
    errors = []
    for b in backends or []:
        uuid, zone = b.get("secret_uuid") or default_uuid, b.get("availability_zone")
        if not is_uuid(uuid):
            errors.append("cinder backend %s: rbd_secret_uuid must be a UUID (got %r)" % (b.get("name"), uuid))
            continue
        computes = [h for h in compute_hosts or []
                    if not zone or hostvars[h].get("cephstack_availability_zone") == zone]
        lacking = [h for h in computes if uuid not in compute_secrets(hostvars, h)]
        if lacking:
            errors.append("cinder backend %s: rbd_secret_uuid (%s) must be a libvirt secret of the compute hosts "
                          "that attach its volumes (%s), but %s hold%s only %s" % (
                              b.get("name"), uuid, "availability zone %s" % zone if zone else "all of them",
                              ", ".join(lacking), "s" if len(lacking) == 1 else "",
                              ", ".join(sorted(set(u for h in lacking for u in compute_secrets(hostvars, h))))
                              or "none"))
    return errors


def glance_rbd_sections(stores, defaults):
    """One glance-api.conf section per RBD store (multi-store form)."""
    sections = {}
    for s in stores:
        name = _required(s, "name", "glance store")
        sections[name] = {
            "rbd_store_pool": _required(s, "pool", "glance store"),
            "rbd_store_user": _required(s, "user", "glance store"),
            "rbd_store_ceph_conf": s.get("ceph_conf") or defaults["ceph_conf"],
            "rbd_store_chunk_size": s.get("chunk_size") or defaults["chunk_size"],
            "rados_connect_timeout": defaults["rados_connect_timeout"],
            "store_description": s.get("description") or name,
        }
    return sections


def host_keyrings(auth_results, hostname, groups):
    """The keyrings ``hostname`` needs, from ceph_auth results looped over users that carry
    ``keyring_groups`` (inventory group -> unix group): [{name, group, key}], one per user,
    the first matching group winning. ``key`` is None when the monitors have not minted it
    yet (check mode on a new user)."""
    found = []
    seen = set()
    for res in auth_results or []:
        user = res.get("item") or {}
        if user.get("state", "present") != "present" or res.get("skipped"):
            continue
        for inv_group, unix_group in (user.get("keyring_groups") or {}).items():
            if hostname in (groups.get(inv_group) or []) and user["name"] not in seen:
                seen.add(user["name"])
                found.append(dict(name=user["name"], group=unix_group, key=res.get("key")))
    return found


def cephx_given_users(users, keys):
    """Client-only mode: ceph_clients_users with the keys an operator was given (``keys``: entity ->
    key), in the form of a ceph_auth loop's results ({item, key, entity: {name, caps}}), so that
    host_keyrings and cephx_users read them alike. The caps are the ones the users list states."""
    results = []
    for user in users or []:
        name = _required(user, "name", "ceph_clients_users item")
        present = user.get("state", "present") == "present"
        results.append(dict(item=user, key=(keys or {}).get(name) if present else None,
                            entity=dict(name=name, caps=user.get("caps") or {}) if present else {}))
    return results


def _volume_cluster_user(cluster, default_user):
    return "client." + (cluster.get("user") or default_user)


def volume_cluster_errors(clusters, main_secret_uuid):
    """nova_compute_volume_clusters: a message for each item without a cluster name of its own, a
    UUID of its own (not the main secret's either), or a way to its key (conf or key)."""
    errors, names, uuids = [], set(), {main_secret_uuid}
    for c in clusters or []:
        if not isinstance(c, dict) or not c.get("cluster"):
            # the item may hold a key: name its fields, never their values
            errors.append("each nova_compute_volume_clusters item needs cluster (a name), got one with %s"
                          % (", ".join(sorted(c)) if isinstance(c, dict) and c else "no fields"))
            continue
        name, uuid = c["cluster"], c.get("secret_uuid")
        if name in names:
            errors.append("cluster %s is listed twice in nova_compute_volume_clusters" % name)
        names.add(name)
        if not is_uuid(uuid):
            errors.append("cluster %s: secret_uuid must be a UUID (got %r)" % (name, uuid))
        elif uuid in uuids:
            errors.append("cluster %s: secret_uuid %s is already another cluster's secret (one secret per cluster)"
                          % (name, uuid))
        uuids.add(uuid)
        if not c.get("conf") and not c.get("key"):
            errors.append("cluster %s: give conf (that cluster's admin ceph.conf on the admin host) or key" % name)
    return errors


def volume_cluster_keys(read_results, default_user):
    """{cluster: key or None} from a ceph_auth_info loop over nova_compute_volume_clusters."""
    keys = {}
    for res in read_results or []:
        cluster = res.get("item") or {}
        if res.get("skipped") or not cluster.get("cluster"):
            continue
        entity = (res.get("entities") or {}).get(_volume_cluster_user(cluster, default_user)) or {}
        keys[cluster["cluster"]] = entity.get("key")
    return keys


def cephx_users(auth_results):
    """{name: {name, caps}} of the users a ceph_auth loop left, or would leave in check mode."""
    users = {}
    for res in auth_results or []:
        entity = res.get("entity") or {}
        if entity.get("name"):
            users[entity["name"]] = dict(name=entity["name"], caps=entity.get("caps") or {})
    return users


def hostvar_values(hostnames, hostvars, names):
    """The distinct, non-empty values of the first of ``names`` each host defines."""
    values = []
    for host in hostnames or []:
        hv = hostvars[host]
        for name in names:
            if name in hv and hv[name] not in (None, ""):
                if hv[name] not in values:
                    values.append(hv[name])
                break
    return values


def cephfs_mount_plan(subvolume_results, access_results, default_fs):
    """The mounts the cephfs_mount role can make now, without keys: [{name, path, root, auth_id,
    fs}] for each item whose subvolume path and user key are known. Loop items are printed at
    -vvv, so keys must never be in them."""
    plan = []
    for sub, access in zip(subvolume_results or [], access_results or []):
        item = sub.get("item") or {}
        root = (sub.get("subvolume") or {}).get("path")
        if root and not is_unknown(root) and access.get("key"):   # check mode's prediction of a new one
            plan.append(dict(name=item["name"], path=item["path"], root=root, auth_id=item["auth_id"],
                             fs=item.get("fs") or default_fs))
    return plan


def is_ip_address(value):
    """Whether ``value`` is an IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(str(value))
        return True
    except ValueError:
        return False


CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def is_uuid(value):
    """Whether ``value`` is a UUID in its canonical form (8-4-4-4-12 hexadecimal digits), the form
    libvirt secrets and cinder.conf take."""
    return isinstance(value, str) and CANONICAL_UUID.fullmatch(value) is not None


def ceph_admin_host(groups, fallback=""):
    """The host that runs the cluster tasks when cephstack_ceph_admin_host is not set: the first
    host of group ceph_admin, else ``fallback``."""
    admins = (groups or {}).get("ceph_admin") or []
    return admins[0] if admins else fallback


class FilterModule(object):
    def filters(self):
        return dict(cinder_rbd_sections=cinder_rbd_sections, glance_rbd_sections=glance_rbd_sections,
                    host_keyrings=host_keyrings, cephx_users=cephx_users, hostvar_values=hostvar_values,
                    is_ip_address=is_ip_address, is_uuid=is_uuid, cephfs_mount_plan=cephfs_mount_plan,
                    ceph_admin_host=ceph_admin_host, cephx_given_users=cephx_given_users,
                    volume_cluster_errors=volume_cluster_errors, volume_cluster_keys=volume_cluster_keys,
                    backend_secret_errors=backend_secret_errors)

# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stack map's model: what each service host's configs say it uses of Ceph (user, pool,
secret UUID), checked against the live cluster and the keyrings found on the host."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import configparser

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_values import osd_cap_allows

# Inventory group, what it is, and the config that says what it uses (the key of the host's configs)
SERVICES = [
    ("glance", "Glance", "glance"),
    ("cinder_volume", "Cinder volume", "cinder"),
    ("cinder_backup", "Cinder backup", "cinder_backup"),
    ("nova_compute", "Nova compute", "nova"),
    ("manila_share", "Manila share", "manila"),
    ("ganeti_nodes", "Ganeti", "ganeti"),
    ("cephfs_clients", "ceph-fuse clients", "fstab"),
    ("nfs_ganesha", "NFS-Ganesha", "ganesha"),
]


def _ini(text):
    parser = configparser.RawConfigParser(strict=False, interpolation=None, default_section="DEFAULT")
    try:
        parser.read_string(text or "")
    except configparser.Error:
        return {}
    found = dict((s, dict(parser.items(s))) for s in parser.sections())
    found["DEFAULT"] = dict(parser.defaults())
    return found


def _uses(kind, text):
    """[{user, pool, access, secret, where}] that a config names."""
    if not text:
        return []
    uses = []
    if kind == "glance":
        for section, opts in _ini(text).items():
            if opts.get("rbd_store_user") or opts.get("rbd_store_pool"):
                uses.append(dict(user=opts.get("rbd_store_user", "admin"), pool=opts.get("rbd_store_pool", "images"),
                                 access="rwx", secret=None, where="glance-api.conf [%s]" % section))
    elif kind == "cinder":
        for section, opts in _ini(text).items():
            if "RBDDriver" in opts.get("volume_driver", ""):
                uses.append(dict(user=opts.get("rbd_user"), pool=opts.get("rbd_pool", "rbd"), access="rwx",
                                 secret=opts.get("rbd_secret_uuid"), where="cinder.conf [%s]" % section,
                                 cluster=opts.get("rbd_cluster_name") or "ceph"))
    elif kind == "cinder_backup":
        opts = _ini(text).get("DEFAULT", {})
        if "ceph" in opts.get("backup_driver", ""):
            uses.append(dict(user=opts.get("backup_ceph_user", "cinder"), pool=opts.get("backup_ceph_pool", "backups"),
                             access="rwx", secret=None, where="cinder.conf [DEFAULT] backup_ceph_*"))
    elif kind == "nova":
        opts = _ini(text).get("libvirt", {})
        if opts.get("images_type") == "rbd" or opts.get("rbd_user"):
            uses.append(dict(user=opts.get("rbd_user"), pool=opts.get("images_rbd_pool", "rbd"), access="rwx",
                             secret=opts.get("rbd_secret_uuid"), where="nova.conf [libvirt]"))
    elif kind == "manila":
        for section, opts in _ini(text).items():
            if opts.get("cephfs_auth_id"):
                uses.append(dict(user=opts["cephfs_auth_id"], pool=None, access=None, secret=None,
                                 where="manila.conf [%s] (file system %s)" % (section, opts.get("cephfs_filesystem_name"))))
    elif kind == "ganeti":
        words = text.replace('"', " ").replace("=", " ").split()
        if "--id" in words and words.index("--id") + 1 < len(words):
            uses.append(dict(user=words[words.index("--id") + 1], pool=None, access=None, secret=None,
                             where="the Ganeti daemons' CEPH_ARGS"))
    elif kind == "fstab":
        for line in text.splitlines():
            fields = line.split()
            if len(fields) > 3 and fields[2] == "fuse.ceph":
                for opt in fields[3].split(","):
                    if opt.startswith("ceph.id="):
                        uses.append(dict(user=opt.split("=", 1)[1], pool=None, access=None, secret=None,
                                         where="fstab %s" % fields[1]))
    elif kind == "ganesha":
        for line in text.splitlines():
            line = line.strip().rstrip(";")
            if line.lower().startswith("userid"):
                # its caps are limited to a namespace of .nfs, which the pool check does not model
                uses.append(dict(user=line.split("=", 1)[1].strip().strip('"'), pool=".nfs", access=None,
                                 secret=None, where="ganesha.conf RADOS_URLS"))
                break
    return uses


def stack_map(host_list, cluster):
    """The map's model. ``host_list``: [{name, groups, keyrings: [find results: path, mode],
    configs: {glance|cinder|cinder_backup|nova|manila|ganeti|fstab|ganesha: text}}].
    ``cluster``: {name, fsid, mons, entities: {entity: {caps}}, pools: {pool: usage}}."""
    hosts = dict((h["name"], h) for h in host_list or [])
    entities = cluster.get("entities") or {}
    pools = cluster.get("pools") or {}
    name = cluster.get("name") or "ceph"
    services, problems, secrets = [], [], {}
    for group, title, kind in SERVICES:
        members = sorted(h for h, data in (hosts or {}).items() if group in (data.get("groups") or []))
        if not members:
            continue
        service = dict(group=group, title=title, hosts=[], users=[], pools=[], problems=[])
        for host in members:
            data = hosts[host]
            keyrings = dict((k["path"].rsplit("/", 1)[-1], k) for k in data.get("keyrings") or [])
            # the map draws one cluster: a backend of another (rbd_cluster_name) is that cluster's map's
            uses = [u for u in _uses(kind, (data.get("configs") or {}).get(kind)) if u.get("cluster") in (None, name)]
            entry = dict(name=host, uses=uses,
                         keyrings=["%s (%s)" % (k, keyrings[k].get("mode")) for k in sorted(keyrings)])
            service["hosts"].append(entry)
            for use in entry["uses"]:
                entity = "client.%s" % use["user"] if use["user"] else None

                def problem(message, host=host):
                    found = dict(service=title, host=host, message=message)
                    service["problems"].append(found)
                    problems.append(found)
                if entity and entity not in service["users"]:
                    service["users"].append(entity)
                if use["pool"] and use["pool"] not in service["pools"]:
                    service["pools"].append(use["pool"])
                if not entity:
                    problem("%s names no cephx user" % use["where"])
                    continue
                if entity not in entities:
                    problem("%s names %s, which the cluster does not have" % (use["where"], entity))
                    continue
                if use["pool"] and use["pool"] not in pools:
                    problem("%s names pool %s, which the cluster does not have" % (use["where"], use["pool"]))
                elif use["pool"] and use["access"] and not osd_cap_allows(
                        entities[entity].get("caps", {}).get("osd", ""), use["pool"], use["access"], ""):
                    problem("%s's osd caps do not give %s on pool %s" % (entity, use["access"], use["pool"]))
                keyring = "%s.%s.keyring" % (name, entity)
                if keyring not in keyrings:
                    problem("no keyring %s on the host" % keyring)
                elif int(str(keyrings[keyring].get("mode", "0")), 8) & 0o007:
                    problem("%s is readable by every user (mode %s)" % (keyring, keyrings[keyring]["mode"]))
                if use["secret"]:
                    secrets.setdefault(entity, {}).setdefault(use["secret"], []).append("%s (%s)" % (host, title))
        services.append(service)
    for entity, by_uuid in sorted(secrets.items()):
        if len(by_uuid) > 1:
            message = "%s's libvirt secret UUID differs: %s" % (
                entity, "; ".join("%s on %s" % (u, ", ".join(w)) for u, w in sorted(by_uuid.items())))
            problems.append(dict(service="Cinder and Nova", host=None, message=message))
    used = sorted(set(p for s in services for p in s["pools"]))
    for service in services:
        service["lines"] = _lines(service, entities, pools)
    return dict(cluster=dict(name=name, fsid=cluster.get("fsid"), mons=cluster.get("mons")),
                services=services, problems=problems, size=_layout(services),
                users=dict((e, entities[e].get("caps", {})) for s in services for e in s["users"] if e in entities),
                pools=dict((p, pools[p]) for p in used if p in pools),
                secrets=dict((e, sorted(u)) for e, u in secrets.items()))


def _size(n):
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return "%d %s" % (n, unit) if unit == "B" else "%.1f %s" % (n, unit)
        n /= 1024.0
    return str(n)


# The drawing: boxes of WIDTH in rows of COLUMNS, one LINE of text each, GAP apart
COLUMNS = 4
WIDTH = 400
LINE = 17
GAP = 20


def _layout(services):
    """Place each service's box (x, y, height); the drawing's (width, height)."""
    y = GAP
    for start in range(0, len(services), COLUMNS):
        row = services[start:start + COLUMNS]
        for column, service in enumerate(row):
            service.update(x=GAP + column * (WIDTH + GAP), y=y, height=len(service["lines"]) * LINE + GAP)
        y += max(s["height"] for s in row) + GAP
    return dict(width=GAP + min(COLUMNS, max(len(services), 1)) * (WIDTH + GAP), height=y, box=WIDTH, line=LINE)


def _lines(service, entities, pools):
    """The text lines of a service's box, each with its kind (head, host, user, caps, pool, keyring,
    secret, problem), in drawing order."""
    lines = [dict(kind="head", text=service["title"])]
    bad_hosts = set(p["host"] for p in service["problems"])
    for host in service["hosts"]:
        lines.append(dict(kind="problem-host" if host["name"] in bad_hosts else "host", text=host["name"]))
    for entity in service["users"]:
        lines.append(dict(kind="user", text=entity))
        for daemon, cap in sorted((entities.get(entity) or {}).get("caps", {}).items()):
            lines.append(dict(kind="caps", text="%s: %s" % (daemon, cap)))
    for pool in service["pools"]:
        usage = pools.get(pool)
        text = "pool %s" % pool
        if usage:
            text += ": %s stored, %s free" % (_size(usage.get("stored_bytes", 0)), _size(usage.get("max_avail_bytes", 0)))
        lines.append(dict(kind="pool", text=text))
    for name in sorted(set(k for h in service["hosts"] for k in h["keyrings"]
                           if any(".%s.keyring " % e in k for e in service["users"]))):
        lines.append(dict(kind="keyring", text="keyring %s" % name))
    for uuid in sorted(set(u["secret"] for h in service["hosts"] for u in h["uses"] if u["secret"])):
        lines.append(dict(kind="secret", text="libvirt secret %s" % uuid))
    for found in service["problems"]:
        lines.append(dict(kind="problem", text="%s: %s" % (found["host"], found["message"])))
    return lines


class FilterModule(object):
    def filters(self):
        return dict(stack_map=stack_map)

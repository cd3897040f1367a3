#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: ceph_fuse_mount
short_description: Mount a CephFS directory with ceph-fuse, persistently (fstab)
version_added: 1.0.0
description:
  - Keeps one C(fuse.ceph) line in fstab for O(path) and the directory mounted, so that the mount
    comes back at boot (C(_netdev)) and containers can bind-mount it as a volume.
  - Reads fstab and C(/proc/mounts) once; writes fstab atomically and only that line; mounts with
    C(mount -T FSTAB PATH), so the mount is exactly what boot will do.
  - A changed line remounts a mounted directory.
author:
  - cephstack.cloud contributors (@cephstack)
extends_documentation_fragment:
  - cephstack.cloud.attributes
options:
  path:
    description:
      - The mount point. It is created (mode 0755) when missing.
      - A mount whose ceph-fuse process is gone (C(Transport endpoint is not connected)) is unmounted
        and mounted again.
    type: path
    required: true
  root:
    description: The CephFS directory to mount, such as a subvolume's path. Required with O(state=present).
    type: str
  client_id:
    description: The cephx id (without C(client.)) to mount as; a path-restricted user. Required with O(state=present).
    type: str
  conf:
    description: ceph.conf.
    type: path
    default: /etc/ceph/ceph.conf
  keyring:
    description: The user's keyring. Ceph's search path when unset.
    type: path
  fs:
    description: The CephFS file system, when the cluster has several.
    type: str
  fstab:
    description: The fstab file.
    type: path
    default: /etc/fstab
  timeout:
    description: Seconds a mount or unmount may take, at least 1.
    type: int
    default: 60
  state:
    description: V(present) keeps the line and the mount; V(absent) unmounts and removes the line.
    type: str
    choices: [present, absent]
    default: present
requirements:
  - ceph-fuse (its C(mount.fuse.ceph) helper).
seealso:
  - module: cephstack.cloud.cephfs_subvolume
  - module: cephstack.cloud.cephfs_subvolume_access
'''

EXAMPLES = r'''
- name: The registry's data, mounted as its own user
  cephstack.cloud.ceph_fuse_mount:
    path: /srv/registry
    root: "{{ subvolume.subvolume.path }}"
    client_id: registry
    keyring: /etc/ceph/ceph.client.registry.keyring
'''

RETURN = r'''
mount:
  description: The fstab line and whether the directory is mounted, after the run (predicted in check mode).
  returned: always
  type: dict
  sample: {path: /srv/registry, fstab_line: "none /srv/registry fuse.ceph ceph.id=registry,... 0 0", mounted: true}
commands:
  description: What changed, the same in check mode and in a real run.
  returned: always
  type: list
  elements: str
'''

import os

from ansible_collections.cephstack.cloud.plugins.module_utils.config_file import ManagedFile, file_state
from ansible_collections.cephstack.cloud.plugins.module_utils.mounts import MountRunner, fstab_entries, mounted
from ansible_collections.cephstack.cloud.plugins.module_utils.resource import (
    Change, ModuleFailure, Observed, ResourceModule, on_field)

FUSE_TYPES = ("fuse.ceph-fuse", "fuse.ceph", "fuse")


def dead_mount(path):
    """Why a listed mount cannot be used (its FUSE daemon is gone), or None when it answers."""
    try:
        os.stat(path)
        return None
    except OSError as e:
        return os.strerror(e.errno) if e.errno else str(e)


class CephFuseMount(ResourceModule):
    argument_spec = dict(
        path=dict(type="path", required=True),
        root=dict(type="str"),
        client_id=dict(type="str"),
        conf=dict(type="path", default="/etc/ceph/ceph.conf"),
        keyring=dict(type="path", no_log=False),
        fs=dict(type="str"),
        fstab=dict(type="path", default="/etc/fstab"),
        timeout=dict(type="int", default=60),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    required_if = [("state", "present", ["root", "client_id"])]
    timeout_options = ("timeout",)

    def make_runner(self):
        return MountRunner(self.module, self.params["timeout"])

    def validate(self):
        p = self.params
        p["path"] = p["path"].rstrip("/") or "/"
        if p["state"] == "present":
            if os.path.lexists(p["path"]) and not os.path.isdir(p["path"]) and not mounted(p["path"]):
                raise ModuleFailure("path=%s exists and is not a directory; it cannot be a mount point" % p["path"])
            if not p["root"].startswith("/"):
                raise ModuleFailure("root=%r must be an absolute CephFS path such as /volumes/_nogroup/x/..." % p["root"])
            if p["client_id"].startswith("client."):
                raise ModuleFailure("client_id=%r: give the id without 'client.'" % p["client_id"])
        self.fstab = ManagedFile(self.module, p["fstab"], {}, default_mode="0644", label="fstab")

    def wanted_line(self):
        p = self.params
        opts = ["ceph.id=%s" % p["client_id"], "ceph.client_mountpoint=%s" % p["root"], "ceph.conf=%s" % p["conf"]]
        if p["keyring"]:
            opts.append("ceph.keyring=%s" % p["keyring"])
        if p["fs"]:
            opts.append("ceph.client_fs=%s" % p["fs"])
        return "none %s fuse.ceph %s,_netdev,defaults 0 0" % (p["path"], ",".join(opts))

    def read(self):
        p = self.params
        fstab = file_state(p["fstab"])
        entry = fstab_entries((fstab or {}).get("text")).get(p["path"])
        fuse = mounted(p["path"]) in FUSE_TYPES
        dead = fuse and dead_mount(p["path"])     # why its ceph-fuse is gone, or False
        state = dict(path=p["path"], fstab_line=" ".join(entry[1]) if entry else None,
                     mounted=fuse and not dead, fstab=fstab)
        return Observed(state, dead_mount=dead, missing_dir=not fuse and not os.path.isdir(p["path"]))

    def fstab_text(self, fstab, line):
        lines = ((fstab or {}).get("text") or "").splitlines()
        entry = fstab_entries("\n".join(lines)).get(self.params["path"])
        if entry and line:
            lines[entry[0]] = line
        elif entry:
            del lines[entry[0]]
        elif line:
            lines.append(line)
        return "\n".join(lines) + "\n" if lines else ""

    def decide(self, before, seen):
        p = self.params
        path = p["path"]
        line = self.wanted_line() if p["state"] == "present" else None
        changes = []
        unmount = self.runner.umount(path)
        umount = Change(unmount.command, unmount.run, dict(mounted=False))
        if seen.dead_mount:     # its ceph-fuse is gone: every access fails until it is unmounted
            self.warn("%s is a dead ceph-fuse mount (%s): it is unmounted, then mounted again" % (path, seen.dead_mount))
            changes.append(Change(unmount.command, unmount.run))
        if seen.missing_dir and line:
            changes.append(Change("mkdir -p -m 0755 %s" % path, lambda: os.makedirs(path, 0o755)))
        if before["mounted"] and (line is None or before["fstab_line"] != line):
            changes.append(umount)
        if before["fstab_line"] != line:
            for change in self.fstab.changes(before["fstab"], self.fstab_text(before["fstab"], line)):
                changes.append(Change(change.command, change.apply, self.fstab_effect(change, line)))
        if line and (not before["mounted"] or changes):
            mount = self.runner.mount_fstab(path, p["fstab"])
            changes.append(Change(mount.command, mount.run, dict(mounted=True)))
        return changes

    @staticmethod
    def fstab_effect(change, line):
        def effect(state):
            state = on_field("fstab", change).predict(state)
            state["fstab_line"] = line
            return state
        return effect

    def report(self, after, seen, changes):
        return dict(mount=dict((k, after[k]) for k in ("path", "fstab_line", "mounted")))

    def redact(self, state, seen):
        return dict((k, v) for k, v in state.items() if k != "fstab") if state else state


# check_mode and diff: ResourceModule.execute() predicts the after-state from the Changes' effects.
def main():
    CephFuseMount().execute()


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: ceph_auth
short_description: Manage cephx entities (users), their caps and keyring files
version_added: 0.1.0
description:
  - Creates, updates and removes a cephx entity such as C(client.glance).
  - Reads the entity in one C(auth get) call. New keys are minted by the monitors
    (C(auth get-or-create)); this module never generates key material itself.
  - Changed caps are applied with C(auth caps), so the key survives.
  - Optionally writes the entity's keyring file on the host where the module runs,
    atomically, with the requested owner, group and mode.
  - The key is never returned unless O(return_key=true), and never appears in diff output
    or in the list of commands.
author:
  - cephstack.cloud contributors (@cephstack)
extends_documentation_fragment:
  - cephstack.cloud.attributes
  - cephstack.cloud.ceph_connection
options:
  name:
    description: The entity, C(TYPE.ID) with TYPE one of C(client), C(mgr), C(mds), C(osd), C(mon).
    type: str
    required: true
  state:
    description: Whether the entity should exist. V(absent) also removes O(keyring.path).
    type: str
    choices: [present, absent]
    default: present
  caps:
    description:
      - The complete caps, as a dict of daemon type (C(mon), C(osd), C(mds), C(mgr)) to cap string.
      - Daemon types left out lose their caps. Omit the option to leave caps as they are.
      - Cap strings are normalised (spaces, commas) before comparing.
    type: dict
  key:
    description:
      - A base64 cephx key to import, for example to keep a key from another cluster.
      - When it differs from the current key, the entity gets this key.
    type: str
  rotate_key:
    description:
      - Replace the key with a new one minted by the monitors. The entity is removed and
        created again with the same caps, so every client with the old key loses access
        until it gets the new keyring and, for libvirt, the new secret value.
      - Not idempotent by nature; every run with V(true) rotates. Use it from a one-off play.
    type: bool
    default: false
  return_key:
    description:
      - Return the key in RV(key). Set C(no_log) on the task that does this.
    type: bool
    default: false
  keyring:
    description: Write the entity's keyring file where the module runs.
    type: dict
    suboptions:
      path:
        description: Path of the keyring file.
        type: path
        required: true
      owner:
        description: Owner of the file. Defaults to the user running the module.
        type: str
      group:
        description: Group of the file. Defaults to the owner's primary group.
        type: str
      mode:
        description: Octal mode of the file.
        type: str
        default: '0600'
seealso:
  - module: cephstack.cloud.ceph_pool
'''

EXAMPLES = r'''
- name: Glance's user, caps from the Ceph docs, keyring readable by group glance only
  cephstack.cloud.ceph_auth:
    name: client.glance
    caps:
      mon: profile rbd
      osd: profile rbd pool=images
      mgr: profile rbd pool=images
    keyring:
      path: /etc/ceph/ceph.client.glance.keyring
      owner: root
      group: glance
      mode: '0640'

- name: Fetch a key to hand to another host (keep it out of logs)
  cephstack.cloud.ceph_auth:
    name: client.cinder
    return_key: true
  register: cinder_user
  no_log: true

- name: Rotate client.cinder's key (a one-off; clients need the new keyring)
  cephstack.cloud.ceph_auth:
    name: client.cinder
    rotate_key: true
'''

RETURN = r'''
entity:
  description: The entity after the run (predicted in check mode), without its key. Empty when absent.
  returned: always
  type: dict
  sample: {name: client.glance, caps: {mon: profile rbd, osd: profile rbd pool=images}}
key:
  description: The entity's key.
  returned: when O(return_key=true) and the entity exists (not in check mode for a new entity)
  type: str
keyring_changed:
  description: Whether the keyring file was (or in check mode would be) written or its attributes changed.
  returned: when O(keyring) is set
  type: bool
commands:
  description: Commands that changed the cluster or the keyring file; in check mode, the ones that would run.
  returned: always
  type: list
  elements: str
  sample: ["ceph auth caps --entity client.glance mon 'profile rbd'"]
transport:
  description: The transport used, V(librados) or V(cli).
  returned: always
  type: str
ceph_calls:
  description: Number of mon commands this run made, reads included.
  returned: always
  type: int
'''

import grp
import os
import pwd

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_module import (
    REDACTED, Change, CephResourceModule, ModuleFailure)
from ansible_collections.cephstack.cloud.plugins.module_utils.files import atomic_write
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_values import (
    check_cephx_key, check_entity, keyring_text, normalize_caps)

NEW_KEY = "<redacted: new key>"


def caps_argv(caps):
    flat = []
    for daemon in sorted(caps or {}):
        flat += [daemon, caps[daemon]]
    return flat


class CephAuth(CephResourceModule):
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        caps=dict(type="dict"),
        key=dict(type="str", no_log=True),
        rotate_key=dict(type="bool", default=False, no_log=False),
        return_key=dict(type="bool", default=False, no_log=False),
        keyring=dict(type="dict", no_log=False, options=dict(
            path=dict(type="path", required=True),
            owner=dict(type="str"),
            group=dict(type="str"),
            mode=dict(type="str", default="0600"),
        )),
    )
    mutually_exclusive = [("key", "rotate_key")]

    def validate(self):
        p = self.params
        try:
            check_entity(p["name"])
            p["caps"] = normalize_caps(p["caps"])
            if p["key"] is not None:
                p["key"] = check_cephx_key(p["key"])
        except ValueError as e:
            raise ModuleFailure(str(e))
        kr = p["keyring"]
        if kr:
            try:
                kr["mode_int"] = int(kr["mode"], 8)
                if kr["mode_int"] > 0o7777:
                    raise ValueError
            except (TypeError, ValueError):
                raise ModuleFailure("keyring.mode=%r is not an octal mode such as '0640'" % kr["mode"])
            if kr["mode_int"] & 0o007:
                self.warn("keyring.mode=%s makes %s readable by every user; use 0640 or 0600"
                          % (kr["mode"], kr["path"]))
            try:
                kr["uid"] = pwd.getpwnam(kr["owner"]).pw_uid if kr["owner"] else os.geteuid()
            except KeyError:
                raise ModuleFailure("keyring.owner=%r: no such user" % kr["owner"])
            try:
                kr["gid"] = grp.getgrnam(kr["group"]).gr_gid if kr["group"] else \
                    pwd.getpwuid(kr["uid"]).pw_gid
            except KeyError:
                raise ModuleFailure("keyring.group=%r: no such group" % kr["group"])

    # --- read ---------------------------------------------------------------
    def read(self):
        found = self.runner.get("auth get", entity=self.params["name"])
        if not found:
            return None
        raw = found[0]
        return dict(name=raw["entity"], caps=normalize_caps(raw.get("caps") or {}), key=raw["key"])

    def read_keyring(self):
        """(content or None, (uid, gid, mode) or None) of the keyring file."""
        path = self.params["keyring"]["path"]
        try:
            st = os.stat(path)
        except OSError:
            return None, None
        with open(path) as f:
            return f.read(), (st.st_uid, st.st_gid, st.st_mode & 0o7777)

    # --- decide -------------------------------------------------------------
    def decide(self, before):
        p = self.params
        name = p["name"]
        changes = []
        self.before = before
        self.key_changes = False
        self.keyring_changed = False
        if p["state"] == "absent":
            self.target = None
            if before:
                changes.append(self.ceph_change("auth rm", entity=name))
            if p["keyring"] and os.path.exists(p["keyring"]["path"]):
                self.keyring_changed = True
                changes.append(Change("remove keyring %s" % p["keyring"]["path"], self.remove_keyring))
            return changes

        caps = p["caps"] if p["caps"] is not None else (before or {}).get("caps", {})
        if before is None or (p["key"] and p["key"] != before["key"]):
            self.key_changes = True
            if p["key"]:
                changes.append(self.ceph_change("auth import",
                                                inbuf=keyring_text(name, p["key"], caps).encode()))
            else:
                changes.append(self.ceph_change("auth get-or-create", entity=name, caps=caps_argv(caps)))
        else:
            if p["rotate_key"]:
                self.key_changes = True
                changes.append(self.ceph_change("auth rm", entity=name))
                changes.append(self.ceph_change("auth get-or-create", entity=name, caps=caps_argv(caps)))
            elif caps != before["caps"]:
                changes.append(self.ceph_change("auth caps", entity=name, caps=caps_argv(caps)))
        self.target = dict(name=name, caps=caps,
                           key=NEW_KEY if self.key_changes else before["key"])
        if p["keyring"]:
            change = self.keyring_change(None if self.key_changes else before["key"])
            if change:
                self.keyring_changed = True
                changes.append(change)
        return changes

    def keyring_change(self, known_key):
        """A Change writing the keyring, or None if file and attributes already match."""
        kr = self.params["keyring"]
        content, attrs = self.read_keyring()
        wanted_attrs = (kr["uid"], kr["gid"], kr["mode_int"])
        if known_key is not None and content == keyring_text(self.params["name"], known_key, None) \
                and attrs == wanted_attrs:
            return None
        owner, group = kr["owner"] or kr["uid"], kr["group"] or kr["gid"]
        return Change("write keyring %s (%s:%s %s)" % (kr["path"], owner, group, kr["mode"]),
                      self.write_keyring)

    # --- apply --------------------------------------------------------------
    def write_keyring(self):
        kr = self.params["keyring"]
        entity = self.read()
        if entity is None:
            raise ModuleFailure("entity %s vanished before its keyring could be written" % self.params["name"])
        directory = os.path.dirname(kr["path"]) or "."
        if not os.path.isdir(directory):
            raise ModuleFailure("keyring.path=%s: directory %s does not exist" % (kr["path"], directory))
        atomic_write(kr["path"], keyring_text(entity["name"], entity["key"], None),
                     kr["uid"], kr["gid"], kr["mode_int"])
        self.runner.commands.append("write keyring %s" % kr["path"])

    def remove_keyring(self):
        os.unlink(self.params["keyring"]["path"])
        self.runner.commands.append("remove keyring %s" % self.params["keyring"]["path"])

    def predict(self, before, changes):
        return self.target

    # --- report -------------------------------------------------------------
    def redact(self, state):
        if not state:
            return state
        is_after = state is not self.before
        state = dict(state)
        state["key"] = NEW_KEY if is_after and self.key_changes else REDACTED
        if self.params["keyring"]:
            state["keyring"] = dict((k, self.params["keyring"][k]) for k in ("path", "owner", "group", "mode"))
        return state

    def report(self, after):
        result = dict(entity=dict(name=after["name"], caps=after["caps"]) if after else {})
        if self.params["keyring"]:
            result["keyring_changed"] = self.keyring_changed
        if self.params["return_key"] and after and after.get("key") not in (None, NEW_KEY):
            result["key"] = after["key"]
        return result


# check_mode and diff: ResourceModule.execute() predicts without applying (supports_check_mode=True).
def main():
    CephAuth().execute()


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: ceph_auth
short_description: Manage cephx entities (users), their caps and keyring files
version_added: 1.0.0
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
  key_type:
    description:
      - The cipher of a key the monitors mint for this entity (creation and O(rotate_key)).
      - V(aes) (type 1, C(AQ...) keys) is what Ceph 16.2 to 19.2.5 mint and what their clients read.
        V(aes256k) (type 2, C(Ag...) keys) is the default of Squid 19.2.6 and Tentacle 20.2.4 on,
        and clients older than those releases cannot read it.
      - Omit it to take what the monitors mint. On rotation the key keeps its type unless this
        option says otherwise.
      - An existing entity whose key has another type keeps its key, with a warning; set
        O(rotate_key=true) to replace it.
      - V(aes256k) needs a cluster whose monmap lists the ciphers (C(ceph mon dump) shows
        C(auth_allowed_ciphers)). V(aes) on such a cluster needs C(aes) in
        C(auth_allowed_ciphers) (C(ceph mon set auth_allowed_ciphers aes256k,aes)).
    type: str
    choices: [aes, aes256k]
    version_added: 1.0.0
  rotate_key:
    description:
      - Replace the key with a new one minted by the monitors, so every client with the old key
        loses access until it gets the new keyring and, for libvirt, the new secret value.
      - On clusters that know key types (Squid 19.2.6, Tentacle 20.2.4 and later) this is one
        C(auth rotate); on older ones the entity is removed and created again with the same caps.
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

- name: An aes key for Nova on a Tentacle cluster, for compute hosts with Ceph 16.2 clients
  cephstack.cloud.ceph_auth:
    name: client.nova
    key_type: aes
    caps: {mon: profile rbd, osd: profile rbd pool=vms}

- name: Rotate client.cinder's key (a one-off; clients need the new keyring)
  cephstack.cloud.ceph_auth:
    name: client.cinder
    rotate_key: true
'''

RETURN = r'''
entity:
  description:
    - The entity after the run, without its key. Empty when absent.
    - In check mode, the prediction from the planned commands.
    - C(key_type) is the key's cipher, V(aes) or V(aes256k) (version 0.2.0); C((known after apply))
      in check mode when the monitors mint the key with their default type.
  returned: always
  type: dict
  sample: {name: client.glance, key_type: aes256k, caps: {mon: profile rbd, osd: profile rbd pool=images}}
key:
  description: The entity's key.
  returned: when O(return_key=true) and the key is known (not in check mode when the monitors would mint it)
  type: str
keyring_changed:
  description: Whether the keyring file was (or in check mode would be) written or its attributes changed.
  returned: when O(keyring) is set
  type: bool
commands:
  description:
    - Commands that changed the cluster or the keyring file, the same in check mode and in a real run.
    - With O(transport=cli), the words of the C(ceph) tool's argv (its connection and output format options left
      out). With librados, V(mon_command) or V(mgr_command), a space, and the JSON text that was sent, the output
      format included.
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
connection:
  description: V(reused), V(started) or V(off); see O(keep_connection_seconds).
  returned: always
  type: str
  version_added: 1.0.0
'''

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_module import (
    ABSENT, REDACTED, UNKNOWN, CephResourceModule, ModuleFailure)
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_values import (
    check_cephx_key, cephx_key_type, check_entity, keyring_text, normalize_caps, redact_keyring)
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_errors import CephInvalid
from ansible_collections.cephstack.cloud.plugins.module_utils.resource import Observed, on_field, predict

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
        key_type=dict(type="str", choices=["aes", "aes256k"]),
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
        if p["key"] and p["key_type"] and cephx_key_type(p["key"]) != p["key_type"]:
            raise ModuleFailure("key is an %s key, but key_type=%s; give a key of that type or leave "
                                "key_type out" % (cephx_key_type(p["key"]), p["key_type"]))
        self.keyfile = None
        kr = p["keyring"]
        if kr:
            from ansible_collections.cephstack.cloud.plugins.module_utils.config_file import ManagedFile
            try:
                self.keyfile = ManagedFile(self.module, kr["path"], dict(owner=kr["owner"], group=kr["group"],
                                                                         mode=kr["mode"]),
                                           default_mode="0600", label="keyring")
            except ModuleFailure as e:
                raise ModuleFailure("keyring.%s" % e)
            if int(self.keyfile.file_args["mode"], 8) & 0o007:
                self.warn("keyring.mode=%s makes %s readable by every user; use 0640 or 0600"
                          % (kr["mode"], kr["path"]))

    # --- read ---------------------------------------------------------------
    def read(self):
        found = self.runner.get("auth get", entity=self.params["name"])
        keyring_before = self.keyfile.state() if self.keyfile else None
        if not found:
            return Observed(None, keyring_before=keyring_before)
        raw = found[0]
        state = dict(name=raw["entity"], caps=normalize_caps(raw.get("caps") or {}), key=raw["key"],
                     key_type=cephx_key_type(raw["key"]))
        if self.keyfile:
            state["keyring"] = keyring_before
        return Observed(state, keyring_before=keyring_before)

    # --- decide -------------------------------------------------------------
    def explain(self, error):
        if isinstance(error, CephInvalid) and "capability parse failed" in str(error):
            return ("caps=%s: the monitors refused them (%s). Each grant is 'allow <r|w|x|*...> [pool=<pool>] "
                    "[namespace=<ns>]' or 'profile <name> [pool=<pool>]'" % (self.params["caps"], error))
        if "insecure key type" in str(error) or "cannot be used for auth" in str(error):
            return ("the monitors refuse to mint an aes key for %s (%s). Allow aes keys with both "
                    "'ceph mon set auth_allowed_ciphers aes256k,aes' (the monmap's auth_allowed_ciphers) and "
                    "'ceph config set mon mon_auth_allow_insecure_key true', or use key_type=aes256k with "
                    "clients from Ceph 19.2.6 or 20.2.4 on" % (self.params["name"], error))
        return str(error)

    def mint_type(self, before):
        """The key_type argument for a key the monitors mint: None to take their default.

        Only asked when a key is minted (at most once a run): clusters before the aes256k releases
        know no key types, which their monmap shows by lacking auth_allowed_ciphers."""
        wanted = self.params["key_type"] or (before or {}).get("key_type")
        if not wanted:
            return None
        if "auth_allowed_ciphers" in (self.runner.mon("mon dump") or {}):
            return wanted
        if wanted == "aes256k" and self.params["key_type"]:
            raise ModuleFailure("key_type=aes256k: this cluster mints only aes keys (its monmap has no "
                                "auth_allowed_ciphers; aes256k came with Ceph 19.2.6 and 20.2.4)")
        return None     # the only type it mints

    def decide(self, before, seen):
        p = self.params
        name = p["name"]
        if p["state"] == "absent":
            changes = [self.ceph_change("auth rm", ABSENT, entity=name)] if before else []
            if self.keyfile:
                changes += [on_field("keyring", c) for c in self.keyfile.remove_change(seen.keyring_before)]
            return changes

        caps = p["caps"] if p["caps"] is not None else (before or {}).get("caps", {})
        minted_type = p["key_type"] or UNKNOWN
        created = dict(name=name, caps=caps, key=p["key"] or UNKNOWN,
                       key_type=cephx_key_type(p["key"]) if p["key"] else minted_type)
        if self.keyfile:
            created["keyring"] = seen.keyring_before
        changes = []
        if before is None:
            if p["key"]:
                changes.append(self.ceph_change("auth import", created,
                                                inbuf=keyring_text(name, p["key"], caps).encode()))
            else:
                changes.append(self.ceph_change("auth get-or-create", created, entity=name, caps=caps_argv(caps),
                                                key_type=self.mint_type(None)))
        elif p["key"] and p["key"] != before["key"]:
            changes.append(self.ceph_change("auth import", dict(key=p["key"], caps=caps,
                                                                key_type=cephx_key_type(p["key"])),
                                            inbuf=keyring_text(name, p["key"], caps).encode()))
        elif p["rotate_key"]:
            key_type = self.mint_type(before)
            rotated = dict(created, key_type=p["key_type"] or before["key_type"])
            if key_type:    # a cluster that knows key types has 'auth rotate', which keeps the entity
                changes.append(self.ceph_change("auth rotate", dict(rotated, caps=before["caps"]),
                                                entity=name, key_type=key_type))
                if caps != before["caps"]:
                    changes.append(self.ceph_change("auth caps", dict(caps=caps), entity=name,
                                                    caps=caps_argv(caps)))
            else:
                changes.append(self.ceph_change("auth rm", ABSENT, entity=name))
                changes.append(self.ceph_change("auth get-or-create", rotated, entity=name, caps=caps_argv(caps)))
        elif caps != before["caps"]:
            changes.append(self.ceph_change("auth caps", dict(caps=caps), entity=name, caps=caps_argv(caps)))
        if before and p["key_type"] and not p["key"] and not p["rotate_key"] and before["key_type"] != p["key_type"]:
            self.warn("%s has an %s key, not key_type=%s; its key is kept. Rotate it with rotate_key=true "
                      "once its clients can read an %s key" % (name, before["key_type"], p["key_type"], p["key_type"]))
        return changes + self.keyring_change(predict(before, changes), seen.keyring_before)

    def keyring_change(self, entity, keyring_before):
        """Writing the keyring: its text is known unless the monitors mint the key in this run."""
        if not self.keyfile:
            return []
        if entity["key"] != UNKNOWN:
            text = keyring_text(entity["name"], entity["key"], None)
            return [on_field("keyring", c) for c in self.keyfile.changes(keyring_before, text)]
        change = self.keyfile.write_change(keyring_before, self.minted_keyring, UNKNOWN)
        return [on_field("keyring", change)]

    def minted_keyring(self):
        entity = self.runner.mon("auth get", entity=self.params["name"])[0]
        return keyring_text(entity["entity"], entity["key"], None)

    # --- report -------------------------------------------------------------
    def redact(self, state, seen):
        if not state:
            return state
        state = dict(state)
        if state["key"] != UNKNOWN:
            before = seen.state
            new = before is not None and state is not before and state["key"] != before["key"]
            state["key"] = NEW_KEY if new else REDACTED
        if state.get("keyring"):
            state["keyring"] = dict(state["keyring"], text=redact_keyring(state["keyring"]["text"]))
        return state

    def report(self, after, seen, changes):
        result = dict(entity=dict(name=after["name"], caps=after["caps"], key_type=after["key_type"])
                      if after else {})
        if self.keyfile:
            result["keyring_changed"] = any(getattr(c, "field", None) == "keyring" for c in changes)
        if self.params["return_key"] and after and after.get("key") != UNKNOWN:
            result["key"] = after["key"]
        return result


# check_mode and diff: ResourceModule.execute() predicts the after-state from the Changes' effects.
def main():
    CephAuth().execute()


if __name__ == "__main__":
    main()

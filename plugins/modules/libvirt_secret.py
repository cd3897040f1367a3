#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: libvirt_secret
short_description: Manage libvirt secrets, such as the cephx key qemu uses for RBD disks
version_added: 1.0.0
description:
  - Defines, updates and removes a libvirt secret with C(virsh), and sets its value.
  - The value never goes on argv or into a file; C(virsh secret-set-value --file /dev/stdin) reads it
    from a pipe, so a run killed at any point leaves no copy of it behind.
  - The current value is read and compared, so a run that changes nothing reports no change,
    and a different value (a rotated key) is set again.
author:
  - cephstack.cloud contributors (@cephstack)
extends_documentation_fragment:
  - cephstack.cloud.attributes
options:
  uuid:
    description:
      - UUID of the secret. Use the same UUID on every compute host and as C(rbd_secret_uuid)
        in nova.conf and cinder.conf.
    type: str
    required: true
  usage_type:
    description: Usage type of the secret.
    type: str
    choices: [ceph, volume, iscsi, tls, vtpm]
    default: ceph
  usage_name:
    description:
      - Usage name, for ceph conventionally C(client.<id> secret). Required with O(state=present).
      - libvirt allows one secret per usage; a different UUID with the same usage fails with a
        message naming the other secret.
    type: str
  description:
    description: Free text description.
    type: str
  private:
    description:
      - Whether libvirt refuses to reveal the value. A private secret's value cannot be compared;
        see O(overwrite_private_value).
      - Changing O(private) or O(ephemeral) redefines the secret, which needs O(value).
    type: bool
    default: false
  ephemeral:
    description: Whether the secret lives in memory only.
    type: bool
    default: false
  value:
    description:
      - The secret value, base64 encoded, for ceph the cephx key as C(ceph auth get-key) prints it.
      - Omit it to manage only the definition.
    type: str
  overwrite_private_value:
    description:
      - For a private secret, set O(value) on every run (and report a change) instead of failing
        because the value cannot be compared.
    type: bool
    default: false
  state:
    description: Whether the secret should exist.
    type: str
    choices: [present, absent]
    default: present
  uri:
    description: libvirt connection URI.
    type: str
    default: qemu:///system
  timeout:
    description: Seconds each virsh call may take before the task fails (libvirtd down or hung).
    type: int
    default: 30
    version_added: 1.0.0
requirements:
  - C(virsh) (package C(libvirt-clients)) and a running libvirtd.
notes:
  - Supports check mode, which predicts the exact change, and diff mode, with the value redacted.
seealso:
  - module: cephstack.cloud.ceph_auth
'''

EXAMPLES = r'''
- name: Fetch client.cinder's key on the admin host
  cephstack.cloud.ceph_auth:
    name: client.cinder
    return_key: true
  delegate_to: "{{ groups['ceph_admin'][0] }}"
  run_once: true
  register: cinder_user
  no_log: true

- name: The libvirt secret qemu uses to open Cinder and Nova RBD disks
  cephstack.cloud.libvirt_secret:
    uuid: 457eb676-33da-42ec-9a8c-9293d545c337
    usage_name: client.cinder secret
    value: "{{ cinder_user.key }}"
  no_log: true
'''

RETURN = r'''
secret:
  description: The secret after the run (predicted in check mode), value redacted. Empty when absent.
  returned: always
  type: dict
  sample:
    uuid: 457eb676-33da-42ec-9a8c-9293d545c337
    usage_type: ceph
    usage_name: client.cinder secret
    description: null
    private: false
    ephemeral: false
    has_value: true
commands:
  description:
    - The virsh commands that changed something, as the argv that ran (in check mode, that would
      run). A value travels on virsh's stdin (C(--file /dev/stdin)), never in argv or a file.
  returned: always
  type: list
  elements: str
  sample: ["virsh -q -c qemu:///system secret-define --file /dev/stdin",
           "virsh -q -c qemu:///system secret-set-value --secret 457eb676-33da-42ec-9a8c-9293d545c337 --file /dev/stdin"]
virsh_calls:
  description: Number of virsh invocations, reads included.
  returned: always
  type: int
'''

import base64
import binascii
import uuid as uuidlib

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_values import check_cephx_key
from ansible_collections.cephstack.cloud.plugins.module_utils.resource import (
    ABSENT, REDACTED, Change, ModuleFailure, Observed, ResourceModule)
from ansible_collections.cephstack.cloud.plugins.module_utils.virsh_runner import (
    VirshPrivate, VirshRunner, secret_xml)

UNREADABLE = object()
NEW_VALUE = "<redacted: new value>"


class LibvirtSecret(ResourceModule):
    argument_spec = dict(
        uuid=dict(type="str", required=True),
        usage_type=dict(type="str", default="ceph", choices=["ceph", "volume", "iscsi", "tls", "vtpm"]),
        usage_name=dict(type="str"),
        description=dict(type="str"),
        private=dict(type="bool", default=False),
        ephemeral=dict(type="bool", default=False),
        value=dict(type="str", no_log=True),
        overwrite_private_value=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        uri=dict(type="str", default="qemu:///system"),
        timeout=dict(type="int", default=30),
    )
    required_if = [("state", "present", ["usage_name"])]
    timeout_options = ("timeout",)

    def make_runner(self):
        return VirshRunner(self.module, self.params["uri"], self.params["timeout"])

    def runner_facts(self):
        return dict(virsh_calls=self.runner.call_count)

    def validate(self):
        p = self.params
        try:
            p["uuid"] = str(uuidlib.UUID(p["uuid"]))
        except ValueError:
            raise ModuleFailure("uuid=%r is not a UUID (e.g. 457eb676-33da-42ec-9a8c-9293d545c337)" % p["uuid"])
        if p["value"] is not None:
            value = p["value"].strip()
            try:
                base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise ModuleFailure("value is not valid base64; libvirt would store it silently and "
                                    "qemu would fail later. For ceph, pass `ceph auth get-key` output")
            if p["usage_type"] == "ceph":
                try:
                    check_cephx_key(value, "value")
                except ValueError as e:
                    raise ModuleFailure(str(e))
            p["value"] = value

    def read(self):
        p = self.params
        all_secrets = self.runner.list_secrets()
        state = self.runner.get(p["uuid"]) if p["uuid"] in all_secrets else None
        if state is None:
            return Observed(None, all_secrets=all_secrets)
        state["value"] = None
        if p["value"] is not None:
            try:
                state["value"] = self.runner.get_value(p["uuid"])
            except VirshPrivate:
                state["value"] = UNREADABLE
        state["has_value"] = state["value"] is not None
        return Observed(state, all_secrets=all_secrets)

    def decide(self, before, seen):
        p = self.params
        uuid = p["uuid"]
        if p["state"] == "absent":
            return [self.undefine_change()] if before else []

        usage = (p["usage_type"], p["usage_name"])
        for other, other_usage in seen.all_secrets.items():
            if other != uuid and other_usage == usage:
                raise ModuleFailure("usage %s %r is already used by libvirt secret %s; libvirt allows one "
                                    "secret per usage. Use uuid=%s, or remove that secret first"
                                    % (usage[0], usage[1], other, other))
        wanted = dict(uuid=uuid, usage_type=p["usage_type"], usage_name=p["usage_name"],
                      description=p["description"], private=p["private"], ephemeral=p["ephemeral"])
        xml = secret_xml(**wanted)
        new_secret = dict(wanted, value=None, has_value=False)
        define = self.runner.define(xml)
        define = Change(define.command, define.run, new_secret)
        set_value = self.runner.set_value(uuid, p["value"]) if p["value"] is not None else None
        set_value = set_value and Change(set_value.command, set_value.run,
                                         dict(value=UNREADABLE if p["private"] else p["value"], has_value=True))
        if before is None:
            return [define] + ([set_value] if p["value"] is not None else [])
        fixed = ("usage_type", "usage_name", "private", "ephemeral")
        if any(before[k] != wanted[k] for k in fixed):
            if p["value"] is None:
                raise ModuleFailure(
                    "secret %s must be redefined to change %s, which loses its value; pass value too"
                    % (uuid, ", ".join(k for k in fixed if before[k] != wanted[k])))
            return [self.undefine_change(), define, set_value]
        changes = []
        if before["description"] != wanted["description"]:
            changes.append(Change(define.command, define.apply, dict(description=wanted["description"])))
        if p["value"] is not None:
            if before["value"] is UNREADABLE:
                if not p["overwrite_private_value"]:
                    raise ModuleFailure(
                        "secret %s is private, so its value cannot be read to compare with value. "
                        "Set private=false, or overwrite_private_value=true to set it on every run" % uuid)
                changes.append(set_value)
            elif before["value"] != p["value"]:
                changes.append(set_value)
        return changes

    def undefine_change(self):
        undefine = self.runner.undefine(self.params["uuid"])
        return Change(undefine.command, undefine.run, ABSENT)

    def redact(self, state, seen):
        if not state:
            return state
        state = dict(state)
        if state.get("value") is UNREADABLE:
            state["value"] = "<private>"
        elif state.get("value") is not None:
            before = (seen.state or {}).get("value")
            state["value"] = NEW_VALUE if (state is not seen.state and state["value"] != before) else REDACTED
        return state

    def report(self, after, seen, changes):
        if not after:
            return dict(secret={})
        keys = ("uuid", "usage_type", "usage_name", "description", "private", "ephemeral", "has_value")
        return dict(secret=dict((k, after[k]) for k in keys))


# check_mode and diff: ResourceModule.execute() predicts the after-state from the Changes' effects.
def main():
    LibvirtSecret().execute()


if __name__ == "__main__":
    main()

# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base class for cephstack modules: read, decide, apply, report.

A module subclass implements:
  read()        -> the current resource as a dict, or None if absent
  decide(before)-> a list of Change objects (empty when nothing differs)
  predict(before, changes) -> the resource as it will be after the changes
and optionally validate() for early, option-naming errors.
execute() does the rest: check mode skips apply but reports the same changes,
diff shows before/after with secret fields redacted, errors become fail_json.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import traceback

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_runner import (
    CephError, CephRunner, Connection, describe)

REDACTED = "<redacted>"

CONNECTION_ARGS = dict(
    cluster=dict(type="str", default="ceph"),
    conf=dict(type="path"),
    client_name=dict(type="str", default="client.admin"),
    client_keyring=dict(type="path", no_log=False),
    connect_timeout=dict(type="int", default=10),
    transport=dict(type="str", default="auto", choices=["auto", "librados", "cli"]),
)


class Change(object):
    """One step of the apply phase: a description and the callable doing it."""

    def __init__(self, description, apply):
        self.description = description
        self.apply = apply

    def __repr__(self):
        return "Change(%r)" % self.description


class ModuleFailure(Exception):
    """Bad input or a state the module refuses to touch; becomes fail_json."""


class CephResourceModule(object):
    argument_spec = {}
    mutually_exclusive = []
    required_if = []
    secret_fields = ()

    def __init__(self, module=None, runner=None):
        spec = dict(CONNECTION_ARGS)
        spec.update(self.argument_spec)
        self.module = module or AnsibleModule(argument_spec=spec, supports_check_mode=True,
                                              mutually_exclusive=self.mutually_exclusive,
                                              required_if=self.required_if)
        self.params = self.module.params
        self.warnings = []
        self.result = {}
        p = self.params
        if p["connect_timeout"] is not None and p["connect_timeout"] < 1:
            self.module.fail_json(msg="connect_timeout must be at least 1 second, got %s"
                                  % p["connect_timeout"])
        self.connection = Connection(p["cluster"], p["conf"], p["client_name"], p["client_keyring"],
                                     p["connect_timeout"])
        self.runner = runner or CephRunner.for_module(self.module, self.connection, p["transport"])

    # --- hooks -------------------------------------------------------------
    def validate(self):
        pass

    def read(self):
        raise NotImplementedError

    def decide(self, before):
        raise NotImplementedError

    def predict(self, before, changes):
        raise NotImplementedError

    def report(self, after):
        """Extra result keys, from the state after the run."""
        return {}

    # --- helpers -------------------------------------------------------------
    def ceph_change(self, prefix, inbuf=None, **args):
        """A Change that runs one mon command."""
        return Change(describe(dict(args, prefix=prefix)),
                      lambda: self.runner.write(prefix, inbuf=inbuf, **args))

    def warn(self, message):
        self.warnings.append(message)

    def redact(self, state):
        if state is None:
            return None
        state = copy.deepcopy(state)
        for field in self.secret_fields:
            if state.get(field) is not None:
                state[field] = REDACTED
        return state

    # --- the one flow ---------------------------------------------------------
    def execute(self):
        try:
            self.validate()
            before = self.read()
            changes = self.decide(before)
            if changes and not self.module.check_mode:
                for change in changes:
                    change.apply()
                after = self.read()
            else:
                after = self.predict(before, changes) if changes else before
            ran = [c.description for c in changes] if self.module.check_mode else self.runner.commands
            result = dict(changed=bool(changes), commands=list(ran),
                          transport=self.runner.transport.name,
                          ceph_calls=self.runner.call_count)
            result.update(self.report(after))
            if self.module._diff:
                result["diff"] = dict(before=self.redact(before) or {},
                                      after=self.redact(after) or {})
            for w in self.warnings:
                self.module.warn(w)
            self.runner.close()
            self.module.exit_json(**result)
        except ModuleFailure as e:
            self._fail(str(e))
        except CephError as e:
            self._fail(str(e), rc=e.rc, error=type(e).__name__)
        except (IOError, OSError) as e:
            self._fail("%s" % e, exception=traceback.format_exc())

    def _fail(self, msg, **extra):
        try:
            self.runner.close()
        except Exception:  # pylint: disable=broad-except
            pass
        self.module.fail_json(msg=msg, commands=list(self.runner.commands), **extra)

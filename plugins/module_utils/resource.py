# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one module flow: validate, read, decide, apply, report.

A subclass implements:
  read()                   -> the current resource as a dict, or None if absent
  decide(before)           -> a list of Change objects (empty when nothing differs)
  predict(before, changes) -> the resource as it will be after the changes (check mode)
and optionally validate() for early, option-naming errors, report(after) for result keys,
and redact(state) for secrets in diff. execute() does the rest: check mode skips apply but
reports the same changes, diff shows before/after, errors become fail_json.
The runner must offer ``commands`` (what changed things), ``call_count`` and ``close()``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import traceback

from ansible.module_utils.basic import AnsibleModule

REDACTED = "<redacted>"


class Change(object):
    """One step of the apply phase: a description and the callable doing it."""

    def __init__(self, description, apply):
        self.description = description
        self.apply = apply

    def __repr__(self):
        return "Change(%r)" % self.description


class ModuleFailure(Exception):
    """Bad input or a state the module refuses to touch; becomes fail_json."""


class ResourceModule(object):
    argument_spec = {}
    mutually_exclusive = []
    required_if = []
    secret_fields = ()
    handled_errors = ()     # runner exception types that become fail_json with rc

    def __init__(self, module=None, runner=None, base_spec=None):
        spec = dict(base_spec or {})
        spec.update(self.argument_spec)
        self.module = module or AnsibleModule(argument_spec=spec, supports_check_mode=True,
                                              mutually_exclusive=self.mutually_exclusive,
                                              required_if=self.required_if)
        self.params = self.module.params
        self.warnings = []
        self.runner = runner or self.make_runner()

    # --- hooks -------------------------------------------------------------
    def make_runner(self):
        raise NotImplementedError

    def validate(self):
        pass

    def read(self):
        raise NotImplementedError

    def decide(self, before):
        raise NotImplementedError

    def predict(self, before, changes):
        raise NotImplementedError

    def report(self, after):
        return {}

    def runner_facts(self):
        """Result keys describing how the runner worked (transport, call counts)."""
        return {}

    # --- helpers -------------------------------------------------------------
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
            result = dict(changed=bool(changes), commands=list(ran))
            result.update(self.runner_facts())
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
        except self.handled_errors as e:
            self._fail(str(e), rc=e.rc, error=type(e).__name__)
        except (IOError, OSError) as e:
            self._fail("%s" % e, exception=traceback.format_exc())

    def _fail(self, msg, **extra):
        try:
            self.runner.close()
        except Exception:  # pylint: disable=broad-except
            pass
        for w in self.warnings:
            self.module.warn(w)
        self.module.fail_json(msg=msg, commands=list(self.runner.commands), **extra)

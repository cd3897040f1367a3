# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one module flow: validate, read, decide, apply, report.

A subclass implements:
  make_runner()         -> the runner of its tool (commands, call_count, close())
  read()                -> the current resource as a dict, or None when absent; or an Observed,
                           which also carries what the later hooks need besides it
  decide(before, seen)  -> a list of Change objects, empty when nothing differs
and optionally validate() for early, option-naming errors (every check of the input lives there, or
in validate_shared_options() for the options a base class adds; the runner is made after them),
report(after, seen, changes) for result keys and redact(state, seen) for secrets in diff.
``seen`` is the Observed of the first read; the hooks take what they need from their arguments,
never from one another's attributes.

Each Change carries the command it runs and its effect on the resource's state. The base
predicts the after-state by folding those effects over the before-state, so check mode needs
no code of its own: a check run and a real run from the same state report the same
``changed``, the same ``commands`` and the same ``after``. What cannot be known before the
change runs (an id the server assigns, a key the monitors mint) is UNKNOWN in a prediction.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import traceback

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cephstack.cloud.plugins.module_utils.command_runner import CommandError

REDACTED = "<redacted>"
# What no read can know before a change runs (an id the server assigns, a key the monitors mint),
# in a check-mode prediction. Results carry it as this string; test for it with is_unknown().
UNKNOWN = "(known after apply)"
ABSENT = "absent"       # effect that removes the resource


def is_unknown(value):
    """Whether ``value`` is a prediction's UNKNOWN, in a module or in a result it returned."""
    return isinstance(value, str) and value == UNKNOWN


class Change(object):
    """One step: ``command`` (a loggable line), ``apply`` (runs it) and ``effect`` on the state.

    ``effect`` is a dict of fields to set, ABSENT, or a callable(state) -> new state.
    ``command`` is the line the runner logs when it runs the step. A step that uses what an
    earlier one made (a new image's id) names it in its command as it runs.
    """

    def __init__(self, command, apply, effect=None):
        self.command = command
        self.apply = apply
        self.effect = effect

    def predict(self, state):
        if self.effect is None:
            return state
        if self.effect == ABSENT:
            return None
        if callable(self.effect):
            return self.effect(copy.deepcopy(state))
        new = copy.deepcopy(state) if state else {}
        new.update(copy.deepcopy(self.effect))
        return new

    def __repr__(self):
        return "Change(%r)" % self.command


def on_field(field, change):
    """The same Change, with its effect applied to ``state[field]`` (a resource that
    contains another one, such as an entity and its keyring file); its ``field`` names it."""
    def effect(state):
        if state is None:
            return None
        state[field] = change.predict(state.get(field))
        return state
    nested = Change(change.command, change.apply, effect)
    nested.field = field
    return nested


class Observed(object):
    """What read() saw: ``state``, the resource as the module reports it (None when absent), and,
    as attributes, the facts that decide(), redact() and report() need besides it (a file's
    state before, the tool's other objects). Facts are never reported."""

    def __init__(self, state, **facts):
        self.state = state
        self.__dict__.update(facts)


def observed(found):
    """read()'s answer as an Observed."""
    return found if isinstance(found, Observed) else Observed(found)


def predict(before, changes):
    """The state after ``changes``, from their effects alone."""
    state = copy.deepcopy(before)
    for change in changes:
        state = change.predict(state)
    return state


class ModuleFailure(Exception):
    """Bad input or a state the module refuses to touch; becomes fail_json."""


class ResourceModule(object):
    argument_spec = {}
    mutually_exclusive = []
    required_if = []
    required_one_of = []
    add_file_common_args = False
    secret_fields = ()
    timeout_options = ()               # int options in seconds, each at least 1
    handled_errors = (CommandError,)   # runner exceptions that become fail_json with rc

    def __init__(self, module=None, runner=None, base_spec=None):
        spec = dict(base_spec or {})
        spec.update(self.argument_spec)
        self.module = module or AnsibleModule(argument_spec=spec, supports_check_mode=True,
                                              mutually_exclusive=self.mutually_exclusive,
                                              required_if=self.required_if,
                                              required_one_of=self.required_one_of,
                                              add_file_common_args=self.add_file_common_args)
        self.params = self.module.params
        self.warnings = []
        self.applied = []
        self.failed_change = None
        self._on_exit = []
        self.runner = runner    # given by unit tests; otherwise made once the options are valid

    # --- hooks -------------------------------------------------------------
    def make_runner(self):
        """The runner of the module's tool; None for modules that only touch local files."""
        return None

    def validate_shared_options(self):
        """Checks of the options that a base class gives every module of its kind (timeouts here;
        the connection options for Ceph). Raise ModuleFailure naming the option."""
        for name in self.timeout_options:
            if self.params[name] < 1:
                raise ModuleFailure("%s must be at least 1 second, got %s" % (name, self.params[name]))

    def validate(self):
        """Checks of the module's own options, before anything is read. Raise ModuleFailure."""

    def read(self):
        raise NotImplementedError

    def read_after(self):
        """The resource after the changes ran. read() again by default; a module whose read() also
        gathers what only decide() needs (a source file's format, the cluster's defaults) reads
        the resource alone here."""
        return observed(self.read()).state

    def decide(self, before, seen):
        raise NotImplementedError

    def report(self, after, seen, changes):
        return {}

    def runner_facts(self):
        """Result keys describing how the runner worked (transport, call counts)."""
        return {}

    # --- helpers -------------------------------------------------------------
    def warn(self, message):
        self.warnings.append(message)

    def on_exit(self, cleanup):
        """Run cleanup() when the module ends, whether its changes succeeded or not."""
        self._on_exit.append(cleanup)

    def redact(self, state, seen):
        if state is None:
            return None
        state = copy.deepcopy(state)
        for field in self.secret_fields:
            if state.get(field) not in (None, UNKNOWN):
                state[field] = REDACTED
        return state

    # --- the one flow ---------------------------------------------------------
    def execute(self):
        try:
            self.validate_shared_options()
            self.validate()
            if self.runner is None:
                self.runner = self.make_runner()
            seen = observed(self.read())
            before = seen.state
            changes = self.decide(before, seen)
            after = predict(before, changes)
            if changes and not self.module.check_mode:
                for change in changes:
                    self.failed_change = change
                    change.apply()
                    self.applied.append(change.command)
                self.failed_change = None
                after = self.read_after()
            commands = self.applied if not self.module.check_mode else [c.command for c in changes]
            result = dict(changed=bool(changes), commands=list(commands))
            result.update(self.runner_facts())
            result.update(self.report(after, seen, changes))
            if self.module._diff:
                result["diff"] = dict(before=self.redact(before, seen) or {},
                                      after=self.redact(after, seen) or {})
            for w in self.warnings:
                self.module.warn(w)
            self.close_runner()
            self.module.exit_json(**result)
        except ModuleFailure as e:
            self._fail(str(e))
        except self.handled_errors as e:
            self._fail(self.explain(e), rc=e.rc, error=type(e).__name__)
        except (IOError, OSError) as e:
            self._fail("%s" % e, exception=traceback.format_exc())

    def explain(self, error):
        """The message for a runner error; a module names its option where the service's words do not."""
        return str(error)

    def close_runner(self):
        while self._on_exit:
            self._on_exit.pop()()
        if self.runner is not None:
            self.runner.close()

    def _fail(self, msg, **extra):
        try:
            self.close_runner()
        except Exception:  # pylint: disable=broad-except
            pass
        for w in self.warnings:
            self.module.warn(w)
        commands = list(self.applied)
        if self.failed_change is not None:     # it ran, or was being run, when it failed
            extra["failed_command"] = self.failed_change.command
            commands.append(self.failed_change.command)
        self.module.fail_json(msg=msg, commands=commands, **extra)

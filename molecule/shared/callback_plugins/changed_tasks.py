"""Records, for each ansible-playbook run of a scenario, which tasks changed on which host and
whether the run was in check mode, so that verify can hold the check step's prediction against
the converge that follows it (molecule/default/tests/test_default.py)."""
import json
import os

from ansible import context
from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: changed_tasks
type: aggregate
short_description: record the changed tasks of each run
description:
  - Appends one JSON line per run to C($MOLECULE_EPHEMERAL_DIRECTORY/changed_tasks.jsonl) with the
    playbook's file name, whether it ran in check mode, and the changed (task name, host) pairs.
requirements: [enable in configuration]
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "changed_tasks"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.playbook, self.changed = None, []

    def v2_playbook_on_start(self, playbook):
        self.playbook = os.path.basename(playbook._file_name)

    def v2_runner_on_ok(self, result):
        if result.is_changed():
            task = result._task
            self.changed.append([task.name or task.action, result._host.get_name()])

    def v2_playbook_on_stats(self, stats):
        directory = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY")
        if not directory:
            return
        record = {"playbook": self.playbook, "check": bool(context.CLIARGS.get("check")),
                  "changed": sorted(self.changed)}
        with open(os.path.join(directory, "changed_tasks.jsonl"), "a") as f:
            f.write(json.dumps(record) + "\n")

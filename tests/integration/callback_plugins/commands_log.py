# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: appends, to the file named by CEPHSTACK_COMMANDS_LOG, a line at the start
of every task (its name, then ``#at`` and the time) and the ``commands`` that each cephstack.cloud
task reported, so that a test can put them beside the argv that the tool shims logged to the same
file meanwhile, or beside what the monitors logged after that time."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = '''
name: commands_log
type: aggregate
short_description: log each cephstack.cloud task's commands beside the tools' argv (tests only)
description: Writes to the file named by the environment variable CEPHSTACK_COMMANDS_LOG.
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "commands_log"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, line):
        path = os.environ.get("CEPHSTACK_COMMANDS_LOG")
        if path:
            with open(path, "a") as f:
                f.write(line + "\n")

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._write("#task " + json.dumps(task.get_name()))
        self._write("#at %.6f" % time.time())

    def _report(self, result, item=False):
        task = result._task
        if not task.action.startswith("cephstack.cloud.") or "commands" not in result._result:
            return
        self._write("#commands " + json.dumps(dict(
            commands=result._result["commands"], check=bool(task.check_mode),
            failed=bool(result._result.get("failed")), module=task.action)))

    def v2_runner_on_ok(self, result):
        self._report(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._report(result)

    def v2_runner_item_on_ok(self, result):
        self._report(result)

    def v2_runner_item_on_failed(self, result):
        self._report(result)

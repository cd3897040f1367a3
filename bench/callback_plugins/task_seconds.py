"""Prints the wall time of each task at the end of a run (bench/ only; enable with
ANSIBLE_CALLBACK_PLUGINS=bench/callback_plugins ANSIBLE_CALLBACKS_ENABLED=task_seconds)."""
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: task_seconds
type: aggregate
short_description: wall time per task
description: Prints each task's wall time, slowest first, when the run ends.
requirements: [enable in configuration]
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_seconds"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.times, self.current, self.started = [], None, None

    def _close(self):
        if self.current is not None:
            self.times.append((time.monotonic() - self.started, self.current))
            self.current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close()
        self.current, self.started = "%s | %s" % (task.get_path() or "", task.get_name()), time.monotonic()

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def v2_playbook_on_stats(self, stats):
        self._close()
        total = sum(t for t, dummy in self.times)
        self._display.display("TASK SECONDS (total %.1f s)" % total)
        for t, name in sorted(self.times, reverse=True):
            self._display.display("%7.2f  %s" % (t, name))

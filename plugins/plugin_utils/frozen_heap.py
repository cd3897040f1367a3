# Copyright: (c) 2026, cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action of every cephstack.cloud module: Ansible's normal action, after ``gc.freeze()``.

A task runs in a worker process forked from ansible-playbook, which holds the whole controller heap.
The first task of a module builds its AnsiballZ payload, parsing every module_utils file it ships.
That parse allocates enough objects to trigger a full garbage collection, and a full collection walks
(and copies on write) the inherited heap: about 70 ms on the bench's controller, once per module and
run. Frozen, the inherited objects are left out of every collection in this worker, as Python's
documentation advises for forked children. The worker exits when the task ends, so nothing is kept.
"""
from __future__ import annotations

import gc

from ansible.plugins.action.normal import ActionModule as NormalAction


class FrozenHeapAction(NormalAction):

    def run(self, tmp=None, task_vars=None):
        gc.freeze()
        return super().run(tmp, task_vars)

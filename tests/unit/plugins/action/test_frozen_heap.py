"""Every module runs through its own action plugin, a FrozenHeapAction: the worker's heap is frozen first."""
import gc
import json
import os
import subprocess
import sys

from ansible.plugins.action.normal import ActionModule as NormalAction

from ansible_collections.cephstack.cloud.plugins.plugin_utils.frozen_heap import FrozenHeapAction
from tests.conftest import COLLECTIONS, TOP

# ansible-core's own loader, in a child process, so its collection finder stays out of this one.
RESOLVE = """
import json, sys
from ansible.plugins.loader import action_loader, init_plugin_loader
init_plugin_loader([sys.argv[1]])
from ansible_collections.cephstack.cloud.plugins.plugin_utils.frozen_heap import FrozenHeapAction
found = {}
for name in sys.argv[2:]:
    context = action_loader.find_plugin_with_context("cephstack.cloud." + name)
    action = action_loader.get("cephstack.cloud." + name, class_only=True)
    found[name] = [context.resolved_fqcn, bool(action) and issubclass(action, FrozenHeapAction)]
print(json.dumps(found))
"""


def test_ansible_core_finds_a_frozen_heap_action_for_every_module():
    modules = sorted(f[:-3] for f in os.listdir(os.path.join(TOP, "plugins", "modules")) if f.endswith(".py"))
    out = subprocess.run([sys.executable, "-c", RESOLVE, COLLECTIONS] + modules,
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out.splitlines()[-1]) == dict((m, ["cephstack.cloud." + m, True]) for m in modules)


def test_the_heap_is_frozen_before_the_normal_action_runs(monkeypatch):
    seen = []
    monkeypatch.setattr(NormalAction, "run", lambda self, tmp=None, task_vars=None: seen.append(gc.get_freeze_count()) or {"ok": 1})
    action = FrozenHeapAction.__new__(FrozenHeapAction)
    gc.unfreeze()
    try:
        assert action.run(task_vars={}) == {"ok": 1}
    finally:
        gc.unfreeze()
    assert seen and seen[0] > 0

"""What each module ships to the host: the AnsiballZ payload's size and the module_utils in it.

Builds every module's payload with ansible-core's own builder (module_common.modify_module, the
code ansible-playbook runs), without running it. Not a test: figures for docs/performance.md.

    .venv/bin/python bench/payload.py
"""
import base64
import io
import os
import re
import sys
import zipfile

from ansible.executor import module_common
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader, module_loader
from ansible.template import Templar

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULES = sorted(f[:-3] for f in os.listdir(os.path.join(TOP, "plugins", "modules")) if f.endswith(".py"))


def payload(fqcn):
    path = module_loader.find_plugin(fqcn)
    task_vars = {"ansible_python_interpreter": "/usr/bin/python3"}
    built = module_common.modify_module(module_name=fqcn.split(".")[-1], module_path=path, module_args={},
                                        templar=Templar(loader=DataLoader(), variables=task_vars), task_vars=task_vars)
    data = built.b_module_data
    zipped = re.search(rb"zip_data='([A-Za-z0-9+/=]+)'", data)
    names = []
    if zipped:
        with zipfile.ZipFile(io.BytesIO(base64.b64decode(zipped.group(1)))) as z:
            names = [n for n in z.namelist() if "module_utils" in n and n.endswith(".py")]
    return len(data), names


def main():
    init_plugin_loader([os.path.join(TOP, ".build", "collections")])
    rows = [("ansible.builtin.ping",) + payload("ansible.builtin.ping")]
    rows += [("cephstack.cloud." + m,) + payload("cephstack.cloud." + m) for m in MODULES]
    print("| module | payload (KiB) | module_utils files | ours |")
    print("|---|---|---|---|")
    for name, size, names in rows:
        ours = sorted(os.path.basename(n)[:-3] for n in names if "cephstack" in n and "__init__" not in n)
        print("| `%s` | %.1f | %d | %s |" % (name, size / 1024.0, len(names), ", ".join(ours) or "-"))


if __name__ == "__main__":
    sys.exit(main())

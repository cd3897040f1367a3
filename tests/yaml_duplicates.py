"""Repeated task logic across roles: every task of roles/*/tasks and handlers, dumped as YAML with
sorted keys and without its name, each role's own variable prefix (ROLE_, __ROLE_) made the same,
then any run of MIN_LINES or more identical lines that two different roles share. Prints each
pair; exits 1 when there is one. The vars of an include_role are its arguments, a call of the
shared role rather than logic, and are left out.

    python tests/yaml_duplicates.py [MIN_LINES]
"""
import glob
import os
import re
import sys

import yaml

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def task_lines(path):
    """The file's tasks as normalised lines: (line, where)."""
    role = path.split(os.sep)[-3]
    own_prefix = re.compile(r"\b(__)?%s_" % re.escape(role))
    with open(path) as f:
        tasks = yaml.safe_load(f) or []
    lines = []
    for index, task in enumerate(tasks):
        if not isinstance(task, dict):
            continue
        body = dict((k, v) for k, v in task.items() if k != "name")
        if "ansible.builtin.include_role" in body:
            body.pop("vars", None)
        for line in yaml.safe_dump(body, sort_keys=True, width=10000).splitlines():
            where = "%s task %d (%s)" % (os.path.relpath(path, TOP), index + 1, task.get("name", "unnamed"))
            lines.append((own_prefix.sub(r"\1ROLE_", line.strip()), where))
    return lines


def shared_runs(a, b, min_lines):
    """Runs of at least min_lines identical lines in a and b: (length, where in a, where in b)."""
    runs = []
    for i in range(len(a)):
        for j in range(len(b)):
            if (i and j and a[i - 1][0] == b[j - 1][0]) or a[i][0] != b[j][0]:
                continue
            n = 0
            while i + n < len(a) and j + n < len(b) and a[i + n][0] == b[j + n][0]:
                n += 1
            if n >= min_lines:
                runs.append((n, a[i][1], b[j][1]))
    return runs


def main(min_lines=5):
    files = sorted(glob.glob(os.path.join(TOP, "roles", "*", "tasks", "*.yml")) +
                   glob.glob(os.path.join(TOP, "roles", "*", "handlers", "*.yml")))
    lines = dict((f, task_lines(f)) for f in files)
    found = []
    for x, fa in enumerate(files):
        for fb in files[x + 1:]:
            if fa.split(os.sep)[-3] == fb.split(os.sep)[-3]:
                continue        # the same role
            found += shared_runs(lines[fa], lines[fb], min_lines)
    for n, where_a, where_b in found:
        print("%d lines: %s ~ %s" % (n, where_a, where_b))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))

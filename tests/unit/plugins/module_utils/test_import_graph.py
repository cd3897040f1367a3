"""The module_utils import one another in one direction only, at module level or inside a
function, and never take another module's private names."""
import ast
import os

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
UTILS = os.path.join(TOP, "plugins", "module_utils")
PACKAGE = "ansible_collections.cephstack.cloud.plugins.module_utils"


def our_imports(path):
    """[(module_utils name, [imported names])] of every import statement in the file."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith(PACKAGE + "."):
                found.append((node.module[len(PACKAGE) + 1:], [a.name for a in node.names]))
            elif node.module == PACKAGE:
                found.extend((a.name, []) for a in node.names)
    return found


def graph():
    names = sorted(n[:-3] for n in os.listdir(UTILS) if n.endswith(".py") and n != "__init__.py")
    return dict((n, our_imports(os.path.join(UTILS, n + ".py"))) for n in names)


def cycle_from(start, edges):
    """One import cycle through start, as a list of modules, or None."""
    stack = [(start, [start])]
    while stack:
        node, path = stack.pop()
        for nxt in edges.get(node, ()):
            if nxt == start:
                return path + [start]
            if nxt not in path:
                stack.append((nxt, path + [nxt]))
    return None


def test_the_graph_was_read():
    imports = graph()
    assert ("ceph_errors", ["error_for", "librados_cause"]) in imports["ceph_cli"]
    assert "ceph_kept_connection_client" in [m for m, dummy in imports["ceph_kept_connection_server"]]


def test_no_import_cycle():
    edges = dict((n, set(m for m, dummy in found)) for n, found in graph().items())
    assert [cycle_from(n, edges) for n in sorted(edges) if cycle_from(n, edges)] == []


@pytest.mark.parametrize("edges, expected", [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
])
def test_the_cycle_finder_finds_cycles(edges, expected):
    assert cycle_from("a", edges) == expected


def test_no_private_name_is_imported_from_another_module():
    taken = [(n, m, name) for n, found in graph().items() for m, names in found for name in names
             if name.startswith("_")]
    assert taken == []

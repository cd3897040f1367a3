"""The hooks of a module pass state through their arguments: read() returns an Observed that
decide(), redact() and report() receive. Only __init__, make_runner() and validate() (which turns
the options into what the module works with) may set an attribute on the module."""
import ast
import os

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
MODULES = os.path.join(TOP, "plugins", "modules")
SETUP = ("__init__", "make_runner", "validate")


def attributes_set_outside_setup(source):
    """[(method, attribute)] for every ``self.x = ...`` (or ``self.x += ...``) in a method that is
    not one of SETUP, closures inside that method included."""
    found = []
    for cls in [n for n in ast.parse(source).body if isinstance(n, ast.ClassDef)]:
        for method in [n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name not in SETUP]:
            for node in ast.walk(method):
                targets = node.targets if isinstance(node, ast.Assign) else \
                    [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
                for target in targets:
                    for t in ast.walk(target):
                        if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                            found.append((method.name, t.attr))
    return found


@pytest.mark.parametrize("name", sorted(n for n in os.listdir(MODULES) if n.endswith(".py")))
def test_no_hook_sets_an_attribute(name):
    with open(os.path.join(MODULES, name)) as f:
        assert attributes_set_outside_setup(f.read()) == []


def test_the_check_sees_an_attribute_passed_between_hooks():
    source = ("class M(object):\n"
              "    def validate(self):\n        self.file = 1\n"
              "    def read(self):\n        self.seen, x = 1, 2\n        return None\n"
              "    def decide(self, before, seen):\n        self.count += 1\n        return []\n")
    assert attributes_set_outside_setup(source) == [("read", "seen"), ("decide", "count")]

"""ganeti_rbd's check that qemu can open RBD disks, on the help text of real qemu-img builds:
7.2 (Debian 12) lists its formats on one line, 11.1 (Debian forky) over several, under a new
heading. The pattern is read from the role's task, so the test checks what the role runs."""
import os
import re

import pytest
import yaml

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
FIXTURES = os.path.join(TOP, "tests", "unit", "fixtures", "qemu-img")


def role_pattern():
    with open(os.path.join(TOP, "roles", "ganeti_rbd", "tasks", "main.yml")) as f:
        tasks = yaml.safe_load(f)
    task = next(t for t in tasks if t["name"] == "Check that qemu can open RBD disks (access=userspace)")
    quoted = re.search(r"is search\('((?:[^'\\]|\\.)*)'\)", task["ansible.builtin.assert"]["that"]).group(1)
    return re.sub(r"\\(.)", r"\1", quoted)       # the Jinja string literal's escapes


def help_text(version):
    with open(os.path.join(FIXTURES, "help-%s.txt" % version)) as f:
        return f.read()


@pytest.mark.parametrize("version", ["7.2", "11.1"])
def test_a_qemu_img_with_rbd_passes(version):
    assert re.search(role_pattern(), help_text(version))


@pytest.mark.parametrize("version", ["7.2", "11.1"])
def test_a_qemu_img_without_rbd_fails(version):
    without = re.sub(r"\brbd\b", "", help_text(version))
    assert not re.search(role_pattern(), without)

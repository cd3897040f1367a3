"""The Ceph command table against each release's own command signatures (recorded with
tests/unit/fixtures/releases/command_signatures.py from a lab of Pacific, Reef and Tentacle), and
against what the modules send, read from their source."""
import ast
import glob
import os

import pytest

from ansible_collections.cephstack.cloud.plugins.module_utils import ceph_commands as c
from tests.unit.helpers import fixture

RELEASES = ("pacific", "reef", "tentacle")
# What only newer releases take: (prefix, argument or None for the command), and the first of the
# recorded releases that has it. The modules send them only to a cluster that knows key types.
NEWER = {("auth rotate", None): "tentacle", ("auth get-or-create", "key_type"): "tentacle",
         ("auth rotate", "key_type"): "tentacle"}
RUNNER_CALLS = ("mon", "mgr", "get", "write", "mgr_get", "mgr_write")     # self.runner.<call>(prefix, ...)
MODULE_CALLS = ("ceph_change", "mgr_change", "info")                      # self.<call>(prefix, ...)


def is_ceph_call(node, in_the_runner=False):
    """self.runner.<call>("prefix", ...) or self.<call>("prefix", ...) in a module; in the runner
    itself, self.<runner call>("prefix", ...)."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        return False
    owner = node.func.value
    by_self = isinstance(owner, ast.Name) and owner.id == "self"
    if node.func.attr in RUNNER_CALLS:
        return (isinstance(owner, ast.Attribute) and owner.attr == "runner") or (in_the_runner and by_self)
    return node.func.attr in MODULE_CALLS and by_self


def ceph_calls():
    """(file name, call node) of every Ceph call with a literal prefix in plugins/."""
    top = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins")
    for path in glob.glob(os.path.join(top, "module*", "*.py")):
        name = os.path.basename(path)
        with open(path) as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            if is_ceph_call(node, in_the_runner=name == "ceph_runner.py"):
                yield name, node


def sent_by_the_plugins():
    """(prefix, keyword) of every Ceph call; keyword None for a call without keywords or for
    **kwargs."""
    sent = set()
    for dummy, node in ceph_calls():
        sent.add((node.args[0].value, None))
        sent.update((node.args[0].value, k.arg) for k in node.keywords)
    return sent


def newer(release, prefix, name=None):
    since = NEWER.get((prefix, name))
    return since is not None and RELEASES.index(release) < RELEASES.index(since)


@pytest.mark.parametrize("release", RELEASES)
def test_every_command_exists_in_the_release_with_the_arguments_sent(release):
    signatures = fixture(os.path.join("releases", release, "command_signatures.json"))
    for prefix, (daemon, args) in sorted(c.COMMANDS.items()):
        if newer(release, prefix):
            assert prefix not in signatures[daemon], "%s has %s now: drop it from NEWER" % (release, prefix)
            continue
        assert prefix in signatures[daemon], "%s: no %s command %r" % (release, daemon, prefix)
        missing = set(name for name in args if not newer(release, prefix, name)) - set(signatures[daemon][prefix])
        assert not missing, "%s: %s takes no %s" % (release, prefix, ", ".join(sorted(missing)))


def test_the_plugins_send_only_commands_and_arguments_of_the_table():
    sent = sent_by_the_plugins()
    assert ("fs volume create", "name") in sent and ("quorum_status", None) in sent and len(sent) > 60
    for prefix, name in sorted(sent, key=str):
        assert prefix in c.COMMANDS, prefix
        if name not in (None, "inbuf"):     # None: **kwargs, checked when the command is built
            assert name in c.COMMANDS[prefix][1], (prefix, name)


def test_no_argument_is_one_the_ceph_tool_would_take_as_its_own():
    for prefix, (daemon, args) in c.COMMANDS.items():
        for name in args:
            if c.collides_with_cli(name):
                assert name in c.POSITIONAL_ORDER.get(prefix, ()), (prefix, name)


@pytest.mark.parametrize("daemon, prefix, args, words", [
    ("mon", "osd pool delete", {}, "not in the Ceph command table"),
    ("mon", "osd pool set", {"pool": "p", "var": "size", "val": "2", "force": True}, "argument force"),
    ("mon", "fs subvolume info", {"vol_name": "cephfs", "sub_name": "s"}, "a mgr command, sent as a mon command"),
])
def test_a_command_outside_the_table_is_refused(daemon, prefix, args, words):
    with pytest.raises(ValueError) as e:
        c.ceph_command(daemon, prefix, args)
    assert words in str(e.value)


def test_a_command_of_the_table_is_built_without_its_empty_arguments():
    assert c.ceph_command("mon", "osd pool ls", {"detail": "detail"}) == {"prefix": "osd pool ls", "detail": "detail"}
    assert c.ceph_command("mgr", "fs subvolume info", {"vol_name": "cephfs", "group_name": None, "sub_name": "s"}) \
        == {"prefix": "fs subvolume info", "vol_name": "cephfs", "sub_name": "s"}


READ_CALLS = ("mon", "mgr", "get", "mgr_get", "info")       # the calls that do not list a command
WRITE_CALLS = ("write", "mgr_write", "ceph_change", "mgr_change")


def test_reads_are_sent_as_reads_and_writes_as_writes():
    """A command of READS goes through a read call; every other one through a write call, so that
    ``commands`` lists exactly the commands that change the cluster."""
    seen = set()
    for name, node in ceph_calls():
        prefix, call = node.args[0].value, node.func.attr
        seen.add(prefix)
        if prefix in c.READS:
            assert call in READ_CALLS, "%s: %s is a read, sent by %s()" % (name, prefix, call)
        else:
            assert call in WRITE_CALLS, "%s: %s changes the cluster, sent by %s()" % (name, prefix, call)
    assert c.READS <= set(c.COMMANDS) and c.READS <= seen

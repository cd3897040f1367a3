"""Replay recorded Ceph answers through the real runner and the real AnsibleModule."""
import json
import os

import pytest
from ansible.module_utils import _internal
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_commands import command_json
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_librados import LibradosTransport
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_runner import CephRunner

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


class FakeAnsibleModule(object):
    """What a runner uses of AnsibleModule: run_command, answered by ``run``, and get_bin_path,
    which finds every tool in /usr/bin, or only those in ``present`` (and coreutils' timeout)."""

    def __init__(self, run, present=None):
        self.run_command = run
        self.present = present

    def get_bin_path(self, tool, required=False):
        if self.present is None or tool in self.present or tool == "timeout":
            return "/usr/bin/" + tool
        return None


class HTTPError(Exception):
    """What ansible's open_url raises for an HTTP error status: a code and a readable body."""

    def __init__(self, code, body):
        super(HTTPError, self).__init__("HTTP Error %d" % code)
        self.code, self.body = code, body

    def read(self):
        return self.body


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return json.load(f)


class RecordedTransport(object):
    """Answers reads from recorded output; records writes and answers them with rc 0."""
    name = "recorded"

    def __init__(self, answers=None, objects=()):
        self.answers = answers or {}      # prefix -> (rc, out, outs) or a JSON-able value
        self.objects = set(objects)       # "pool/object" that exist
        self.sent = []                    # every command dict, with its inbuf
        self.pool_inits = []

    def mon_command(self, command, inbuf=b""):
        self.sent.append((command, inbuf))
        answer = self.answers.get(command["prefix"])
        if isinstance(answer, tuple):
            return answer
        if callable(answer):
            return answer(command)
        return 0, json.dumps(answer) if answer is not None else "", ""

    # mgr commands (nfs, fs volume, ...) are answered from the same table
    mgr_command = mon_command

    def object_exists(self, pool, name):
        return "%s/%s" % (pool, name) in self.objects

    def rbd_pool_init(self, pool):
        self.pool_inits.append(pool)

    def close(self):
        pass


class JsonRecordedTransport(RecordedTransport):
    """The same answers, taken as librados takes a command: as JSON text, which it keeps."""
    name = "librados"
    sends_json = True
    describe_pool_init = staticmethod(LibradosTransport.describe_pool_init)

    def __init__(self, answers=None, objects=()):
        super(JsonRecordedTransport, self).__init__(answers, objects)
        self.texts = []         # (daemon, the JSON text) of every command

    def mon_command(self, command, inbuf=b""):
        self.texts.append(("mon", command_json(command)))
        return super(JsonRecordedTransport, self).mon_command(command, inbuf)

    def mgr_command(self, command, inbuf=b""):
        self.texts.append(("mgr", command_json(command)))
        return super(JsonRecordedTransport, self).mon_command(command, inbuf)


def run_module(cls, args, transport, capsys, check_mode=False, diff=False):
    """Run a module class to exit_json/fail_json; return (failed, result). Without a transport,
    the module makes its own runner."""
    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    # Once controller code is imported (the filter tests do), ansible-core sends module warnings
    # to the display instead of the result; a module process is never the controller.
    saved, _internal.is_controller = _internal.is_controller, False
    try:
        with patch_module_args(args):
            with pytest.raises(SystemExit) as exc:
                cls(runner=CephRunner(transport) if transport is not None else None).execute()
    finally:
        _internal.is_controller = saved
    result = json.loads(capsys.readouterr().out)
    return exc.value.code != 0, result


def answer_commands(monkeypatch, fake):
    """Every AnsibleModule.run_command call goes to ``fake(argv, **kwargs)``; binaries are in /usr/bin."""
    monkeypatch.setattr(AnsibleModule, "run_command", fake)
    monkeypatch.setattr(AnsibleModule, "get_bin_path", lambda self, name, required=False: "/usr/bin/" + name)
    return fake

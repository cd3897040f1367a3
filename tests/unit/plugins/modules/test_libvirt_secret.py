"""libvirt_secret through the real AnsibleModule and VirshRunner, with virsh answered from its
recorded output (libvirt 9.0, Debian 12): check, apply, re-run, absent; ``commands`` is the argv
that ran, and no value is ever on argv or in the result."""
import json
import os
from xml.etree import ElementTree

import pytest
from ansible_collections.cephstack.cloud.plugins.modules.libvirt_secret import LibvirtSecret
from tests.unit.helpers import FIXTURES, answer_commands, run_module

UUID = "457eb676-33da-42ec-9a8c-9293d545c337"
KEY = "AQAeoAFrtG3cFRAA0+fnE1OFO/TA3lPa7zBxEg=="
KEY_256 = "AgCZfQ9rtI6qACAAnXO/7uInLFjCrHMCjeuckMz0eWvIPG0cXTZecYTMC8U="   # minted by Tentacle 20.2.4
URI = "qemu:///system"


def recorded(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return f.read()


class FakeVirsh(object):
    """A libvirtd's secrets, answered the way virsh answers (its recorded table, XML and errors)."""

    def __init__(self):
        self.secrets = {}      # uuid -> {"xml": ..., "value": ...}
        self.ran = []          # argv of every call, after coreutils timeout's own arguments

    def __call__(self, argv, data=None, **kwargs):
        argv = argv[4:]        # timeout -k 2 N virsh ...
        self.ran.append(argv)
        command, args = argv[4], argv[5:]
        if command == "secret-list":
            lines = []
            for uuid, s in sorted(self.secrets.items()):
                usage = ElementTree.fromstring(s["xml"]).find("usage")
                lines.append(" %s   %s %s" % (uuid, usage.get("type"), usage.findtext("name")))
            return 0, "\n".join(lines) + "\n", ""
        uuid = args[args.index("--secret") + 1] if "--secret" in args else (args[0] if args[0] != "--file" else None)
        if command == "secret-define":
            xml = data.decode()
            uuid = ElementTree.fromstring(xml).findtext("uuid")
            self.secrets.setdefault(uuid, {"value": None})["xml"] = xml
            return 0, "", ""
        if uuid not in self.secrets:
            return 1, "", recorded("virsh_secret_missing.txt").replace("00000000-1111-2222-3333-444444444444", uuid)
        secret = self.secrets[uuid]
        if command == "secret-dumpxml":
            return 0, secret["xml"], ""
        if command == "secret-get-value":
            if ElementTree.fromstring(secret["xml"]).get("private") == "yes":
                return 1, "", recorded("virsh_secret_private.txt")
            if secret["value"] is None:
                return 1, "", recorded("virsh_secret_no_value.txt").replace(
                    "11111111-2222-3333-4444-555555555555", uuid)
            return 0, secret["value"] + "\n", ""
        if command == "secret-set-value":
            secret["value"] = data.decode()
            return 0, "", ""
        if command == "secret-undefine":
            del self.secrets[uuid]
            return 0, "", ""
        raise AssertionError("unexpected virsh call %r" % argv)


@pytest.fixture
def virsh(monkeypatch):
    return answer_commands(monkeypatch, FakeVirsh())


def run(args, capsys, check_mode=False):
    failed, result = run_module(LibvirtSecret, args, None, capsys, check_mode=check_mode, diff=True)
    return failed, result, json.dumps(result)


def writes(virsh, since):
    return [" ".join([os.path.basename(argv[0])] + argv[1:]) for argv in virsh.ran[since:]
            if argv[4] in ("secret-define", "secret-set-value", "secret-undefine")]


@pytest.mark.parametrize("key", [KEY, KEY_256], ids=["aes", "aes256k"])
def test_check_apply_rerun_absent(virsh, capsys, key):
    args = dict(uuid=UUID, usage_name="client.cinder secret", description="cephstack: key of client.cinder",
                value=key, uri=URI)
    failed, check, out = run(args, capsys, check_mode=True)
    assert not failed and check["changed"] and virsh.secrets == {} and key not in out
    expected = ["virsh -q -c %s secret-define --file /dev/stdin" % URI,
                "virsh -q -c %s secret-set-value --secret %s --file /dev/stdin" % (URI, UUID)]
    assert check["commands"] == expected

    mark = len(virsh.ran)
    failed, applied, out = run(args, capsys)
    assert not failed and applied["changed"] and key not in out
    assert applied["commands"] == expected == writes(virsh, mark)
    assert applied["secret"] == check["secret"] == dict(
        uuid=UUID, usage_type="ceph", usage_name="client.cinder secret", description="cephstack: key of client.cinder",
        private=False, ephemeral=False, has_value=True)
    assert applied["diff"]["after"]["value"] == "<redacted: new value>"
    assert virsh.secrets[UUID]["value"] == key

    mark = len(virsh.ran)
    failed, again, dummy = run(args, capsys)
    # one read each: the table, the XML, the value
    assert not failed and not again["changed"] and again["commands"] == [] and again["virsh_calls"] == 3
    assert writes(virsh, mark) == []

    failed, gone, dummy = run(dict(args, state="absent"), capsys)
    assert not failed and gone["commands"] == ["virsh -q -c %s secret-undefine %s" % (URI, UUID)]
    assert gone["secret"] == {} and virsh.secrets == {}


def test_a_private_secret_is_not_overwritten_unless_asked(virsh, capsys):
    args = dict(uuid=UUID, usage_name="client.cinder secret", value=KEY, private=True, uri=URI)
    failed, res, dummy = run(args, capsys)
    assert not failed and res["changed"]
    failed, res, dummy = run(args, capsys)
    assert failed and "is private, so its value cannot be read" in res["msg"] and res["commands"] == []
    mark = len(virsh.ran)
    failed, res, dummy = run(dict(args, overwrite_private_value=True), capsys)
    assert not failed and res["commands"] == writes(virsh, mark) == [
        "virsh -q -c %s secret-set-value --secret %s --file /dev/stdin" % (URI, UUID)]


def test_redefining_fixed_fields_needs_the_value(virsh, capsys):
    run(dict(uuid=UUID, usage_name="client.cinder secret", value=KEY, uri=URI), capsys)
    failed, res, dummy = run(dict(uuid=UUID, usage_name="client.cinder secret", private=True, uri=URI), capsys)
    assert failed and "must be redefined to change private, which loses its value; pass value too" in res["msg"]
    mark = len(virsh.ran)
    failed, res, dummy = run(dict(uuid=UUID, usage_name="client.cinder secret", private=True, value=KEY,
                                  overwrite_private_value=True, uri=URI), capsys)
    assert not failed and [c.split(" ")[4] for c in res["commands"]] == [
        "secret-undefine", "secret-define", "secret-set-value"] and res["commands"] == writes(virsh, mark)


@pytest.mark.parametrize("args, message", [
    (dict(uuid="not-a-uuid"), "uuid='not-a-uuid' is not a UUID"),
    (dict(value="not base64!"), "value is not valid base64"),
    (dict(value="QUFBQQ=="), "value"),
    (dict(timeout=0), "timeout must be at least 1 second, got 0"),
])
def test_bad_input_names_the_option_before_any_virsh_call(virsh, capsys, args, message):
    failed, res, out = run(dict(dict(uuid=UUID, usage_name="client.x secret", uri=URI), **args), capsys)
    assert failed and message in res["msg"] and virsh.ran == []


def test_a_usage_held_by_another_secret_is_refused(virsh, capsys):
    run(dict(uuid=UUID, usage_name="client.cinder secret", uri=URI), capsys)
    other = "11111111-2222-3333-4444-555555555555"
    failed, res, dummy = run(dict(uuid=other, usage_name="client.cinder secret", uri=URI), capsys)
    assert failed and "is already used by libvirt secret %s" % UUID in res["msg"]

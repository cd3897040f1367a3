"""virsh parsing on recorded real output (libvirt 9.0, Debian 12)."""
import os
from xml.etree import ElementTree

from ansible_collections.cephstack.cloud.plugins.module_utils import virsh_runner as v
from tests.unit.helpers import FIXTURES, FakeAnsibleModule


def read(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return f.read()


def test_parse_secret_list():
    assert v.parse_secret_list(read("virsh_secret_list.txt")) == {
        "457eb676-33da-42ec-9a8c-9293d545c337": ("ceph", "client.cinder secret")}


def test_parse_secret_list_ignores_headers():
    text = " UUID                                   Usage\n------------------\n"
    assert v.parse_secret_list(text) == {}


def test_parse_secret_xml():
    assert v.parse_secret_xml(read("virsh_secret_dumpxml.xml")) == dict(
        uuid="457eb676-33da-42ec-9a8c-9293d545c337", description="cephstack: key of client.cinder",
        private=False, ephemeral=False, usage_type="ceph", usage_name="client.cinder secret")


def test_secret_xml_round_trips():
    xml = v.secret_xml("457eb676-33da-42ec-9a8c-9293d545c337", "ceph", "client.cinder secret",
                       "cephstack: key of client.cinder", private=False, ephemeral=False)
    assert v.parse_secret_xml(xml) == v.parse_secret_xml(read("virsh_secret_dumpxml.xml"))
    assert ElementTree.fromstring(xml).get("private") == "no"


class FakeModule(FakeAnsibleModule):
    """virsh answering from ``answers``: the first key found in an argv gives the answer, or a
    callable(argv) that makes it; ``calls`` lists the argv, ``kwargs`` the last call's options."""

    def __init__(self, answers):
        super(FakeModule, self).__init__(self.answer)
        self.answers = answers
        self.calls = []

    def answer(self, argv, **kwargs):
        self.calls.append(argv)
        self.kwargs = kwargs
        for key, answer in self.answers.items():
            if key in argv:
                if callable(answer):
                    return answer(argv)
                return answer
        return 0, "", ""


def test_set_value_goes_on_stdin_never_argv_nor_a_file():
    seen = {}

    def capture(argv):
        seen["kwargs"] = module.kwargs
        return 0, "", ""

    module = FakeModule({"secret-set-value": capture})
    runner = v.VirshRunner(module, "qemu:///system")
    key = "AQAeoAFrtG3cFRAA0+fnE1OFO/TA3lPa7zBxEg=="
    planned = runner.set_value("457eb676-33da-42ec-9a8c-9293d545c337", key)
    assert module.calls == []           # planned, not run
    planned.run()
    argv = module.calls[0]
    assert argv[argv.index("--file") + 1] == "/dev/stdin"
    assert key not in " ".join(argv)
    # binary: run_command adds no newline to what virsh decodes
    assert seen["kwargs"]["data"] == key.encode() and seen["kwargs"]["binary_data"] is True
    assert key not in " ".join(runner.commands)
    # what the runner logs as run is what the plan said, and is the argv after timeout's
    assert runner.commands == [planned.command] == [" ".join(["virsh"] + argv[5:])]


def test_recorded_not_found_maps_to_none():
    err = read("virsh_secret_missing.txt")
    module = FakeModule({"secret-dumpxml": (1, "", err)})
    assert v.VirshRunner(module, "qemu:///system").get("00000000-1111-2222-3333-444444444444") is None

"""ceph_auth's decisions, replayed against the lab's recorded `auth get`."""
import os
import stat

import pytest

from ansible_collections.cephstack.cloud.plugins.modules.ceph_auth import CephAuth
from tests.unit.helpers import RecordedTransport, fixture, run_module

GLANCE = fixture("auth_get_client.glance.json")
KEY = GLANCE[0]["key"]
OTHER_KEY = "AQAeoAFrtG3cFRAA0+fnE1OFO/TA3lPa7zBxEg==" if KEY != "AQAeoAFrtG3cFRAA0+fnE1OFO/TA3lPa7zBxEg==" \
    else "AQBooQFrAAAAABAAYf3e+Q0OWGmtJcIuWvCqzw=="
CAPS = GLANCE[0]["caps"]


def transport(existing=True):
    missing = (2, "", "failed to find client.glance in keyring")
    return RecordedTransport({"auth get": GLANCE if existing else missing})


def test_same_caps_differently_spaced_is_no_change(capsys):
    caps = dict((d, c.replace(", ", ",  ")) for d, c in CAPS.items())
    failed, res = run_module(CephAuth, dict(name="client.glance", caps=caps), transport(), capsys)
    assert not failed and res["changed"] is False
    assert "key" not in res


def test_caps_change_uses_auth_caps_and_keeps_key(capsys):
    t = transport()
    failed, res = run_module(CephAuth, dict(name="client.glance", caps={"mon": "profile rbd"}), t, capsys, diff=True)
    assert res["changed"]
    expected = {"prefix": "auth caps", "entity": "client.glance", "caps": ["mon", "profile rbd"], "format": "json"}
    assert t.sent[1][0] == expected
    assert KEY not in str(res)


def test_new_entity_is_minted_by_the_mon(capsys):
    t = transport(existing=False)
    failed, res = run_module(CephAuth, dict(name="client.glance", caps=CAPS), t, capsys, check_mode=True)
    assert res["changed"] and res["commands"][0].startswith("ceph auth get-or-create")
    assert len(t.sent) == 1   # check mode: the read only


def test_imported_key_travels_in_inbuf_only(capsys):
    t = transport()
    imported = [dict(GLANCE[0], key=OTHER_KEY)]
    t.answers["auth get"] = lambda cmd: (0, __import__("json").dumps(
        imported if any(c["prefix"] == "auth import" for c, dummy in t.sent) else GLANCE), "")
    failed, res = run_module(CephAuth, dict(name="client.glance", key=OTHER_KEY), t, capsys, diff=True)
    command, inbuf = t.sent[1]
    assert command["prefix"] == "auth import" and OTHER_KEY.encode() in inbuf
    assert OTHER_KEY not in str(res) and KEY not in str(res)
    assert res["diff"]["after"]["key"] == "<redacted: new key>"


def test_key_returned_only_when_asked(capsys):
    failed, res = run_module(CephAuth, dict(name="client.glance", return_key=True), transport(), capsys)
    assert res["key"] == KEY


def test_rotation_removes_and_recreates_with_same_caps(capsys):
    t = transport()
    failed, res = run_module(CephAuth, dict(name="client.glance", rotate_key=True), t, capsys, check_mode=True)
    assert [c.split(" --")[0] for c in res["commands"]] == ["ceph auth rm", "ceph auth get-or-create"]


def test_keyring_file_written_then_unchanged(capsys, tmp_path):
    path = str(tmp_path / "ceph.client.glance.keyring")
    args = dict(name="client.glance", keyring=dict(path=path, mode="0640"))
    failed, res = run_module(CephAuth, args, transport(), capsys)
    assert res["changed"] and res["keyring_changed"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert open(path).read() == "[client.glance]\n\tkey = %s\n" % KEY
    failed, res = run_module(CephAuth, args, transport(), capsys)
    assert res["changed"] is False and res["keyring_changed"] is False
    os.chmod(path, 0o644)
    failed, res = run_module(CephAuth, args, transport(), capsys, check_mode=True)
    assert res["changed"] and stat.S_IMODE(os.stat(path).st_mode) == 0o644


@pytest.mark.parametrize("args, words", [
    (dict(name="glance"), ["name='glance' is not a cephx entity"]),
    (dict(name="client.glance", caps={"xyz": "allow r"}), ["unknown daemon type 'xyz'"]),
    (dict(name="client.glance", caps={"mon": "allow, bogus"}), ["caps.mon", "malformed"]),
    (dict(name="client.glance", key="not-base64!"), ["key is not valid base64"]),
    (dict(name="client.glance", keyring=dict(path="/tmp/x", mode="rw")), ["keyring.mode='rw'"]),
    (dict(name="client.glance", keyring=dict(path="/tmp/x", group="no-such-group-xyz")), ["keyring.group"]),
])
def test_bad_input_names_the_option(capsys, args, words):
    failed, res = run_module(CephAuth, args, transport(), capsys)
    assert failed
    for w in words:
        assert w in res["msg"]

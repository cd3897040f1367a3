"""ceph_keyring on a temporary directory, with the keys recorded from each release's client.glance
(an aes key of 16.2 and 18.2, an aes256k key of 20.2): check, apply, re-run, a new key, absent. The
key reaches the file and nothing else: not the result, not the diff, not a warning."""
import json
import os
import stat

import pytest

from ansible_collections.cephstack.cloud.plugins.modules.ceph_keyring import CephKeyring
from tests.unit.helpers import fixture, run_module

KEYS = dict((release, fixture(os.path.join("releases", release, "auth_get_client.glance.json"))[0]["key"])
            for release in ("pacific", "tentacle"))


def run(args, capsys, check_mode=False):
    return run_module(CephKeyring, args, None, capsys, check_mode=check_mode, diff=True)


@pytest.mark.parametrize("release", sorted(KEYS))
def test_check_apply_rerun_rekey_absent(release, tmp_path, capsys):
    key = KEYS[release]
    path = str(tmp_path / "ceph.client.glance.keyring")
    args = dict(name="client.glance", key=key, path=path, mode="0640")
    failed, check = run(args, capsys, check_mode=True)
    assert not failed and check["changed"] and not os.path.exists(path)
    assert check["commands"] == ["write keyring %s" % path]

    failed, real = run(args, capsys)
    assert not failed and real["changed"] and real["commands"] == check["commands"]
    with open(path) as f:
        assert f.read() == "[client.glance]\n\tkey = %s\n" % key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert real["keyring"] == dict(path=path, entity="client.glance", owner="root", group="root", mode="0640")
    assert real["diff"]["after"]["text"] == "[client.glance]\n\tkey = <redacted>\n"

    failed, again = run(args, capsys)
    assert not failed and not again["changed"] and again["commands"] == []

    other = KEYS["pacific" if release == "tentacle" else "tentacle"]
    failed, rekeyed = run(dict(args, key=other), capsys)
    assert rekeyed["changed"] and open(path).read() == "[client.glance]\n\tkey = %s\n" % other

    failed, gone = run(dict(name="client.glance", path=path, state="absent"), capsys)
    assert gone["changed"] and gone["commands"] == ["remove keyring %s" % path] and not os.path.exists(path)
    failed, again = run(dict(name="client.glance", path=path, state="absent"), capsys)
    assert not again["changed"]
    for result in (check, real, again, rekeyed, gone):
        text = json.dumps(result)
        assert key not in text and other not in text


def test_a_mode_readable_by_everyone_is_written_with_a_warning(tmp_path, capsys):
    path = str(tmp_path / "k")
    failed, res = run(dict(name="client.glance", key=KEYS["pacific"], path=path, mode="0644"), capsys)
    assert not failed and any("readable by every user" in str(w) for w in res["warnings"])


@pytest.mark.parametrize("args, words", [
    (dict(name="glance", key=KEYS["pacific"]), ["name"]),
    (dict(name="client.glance", key="AQnotakey"), ["key"]),
    (dict(name="client.glance"), ["state is present", "key"]),
])
def test_bad_input_names_the_option_and_writes_nothing(args, words, tmp_path, capsys):
    path = str(tmp_path / "k")
    failed, res = run(dict(args, path=path), capsys)
    assert failed and not os.path.exists(path)
    for word in words:
        assert word in res["msg"]
    assert KEYS["pacific"] not in json.dumps(res)

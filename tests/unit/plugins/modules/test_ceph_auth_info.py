"""ceph_auth_info on recorded answers: `auth ls` of the lab (its service users and a daemon), and
`auth get client.glance` of each release. One read, whatever the names; keys only when asked."""
import json
import os

import pytest

from ansible_collections.cephstack.cloud.plugins.modules.ceph_auth_info import CephAuthInfo
from tests.unit.helpers import RecordedTransport, fixture, run_module

AUTH_LS = fixture("auth_ls.json")
KEYS = [e["key"] for e in AUTH_LS["auth_dump"]]


def glance_of(release):
    return fixture(os.path.join("releases", release, "auth_get_client.glance.json"))


def test_every_entity_in_one_read_without_keys(capsys):
    t = RecordedTransport({"auth ls": AUTH_LS})
    failed, res = run_module(CephAuthInfo, {}, t, capsys)
    assert not failed and res["changed"] is False and res["commands"] == []
    assert [c["prefix"] for c, inbuf in t.sent] == ["auth ls"] and res["ceph_calls"] == 1
    assert sorted(res["entities"]) == sorted(e["entity"] for e in AUTH_LS["auth_dump"])
    assert res["entities"]["client.glance"]["caps"]["mon"] == "profile rbd"
    assert res["entities"]["client.glance"]["key_type"] == "aes"
    assert res["missing"] == []
    out = json.dumps(res)
    assert not any(key in out for key in KEYS)


def test_several_names_read_once_and_name_the_missing(capsys):
    t = RecordedTransport({"auth ls": AUTH_LS})
    failed, res = run_module(CephAuthInfo, dict(names=["client.nova", "client.gone"]), t, capsys)
    assert [c["prefix"] for c, inbuf in t.sent] == ["auth ls"]
    assert sorted(res["entities"]) == ["client.nova"] and res["missing"] == ["client.gone"]


@pytest.mark.parametrize("release, key_type", [("pacific", "aes"), ("reef", "aes"), ("tentacle", "aes256k")])
def test_one_name_is_one_auth_get_and_keys_on_request(release, key_type, capsys):
    glance = glance_of(release)
    t = RecordedTransport({"auth get": glance})
    failed, res = run_module(CephAuthInfo, dict(names=["client.glance"], return_keys=True), t, capsys)
    assert [(c["prefix"], c["entity"]) for c, inbuf in t.sent] == [("auth get", "client.glance")]
    entity = res["entities"]["client.glance"]
    assert entity["key_type"] == key_type and entity["key"] == glance[0]["key"]


def test_a_missing_single_name_is_reported_not_failed(capsys):
    t = RecordedTransport({"auth get": (2, "", "failed to find client.gone in keyring")})
    failed, res = run_module(CephAuthInfo, dict(names=["client.gone"]), t, capsys)
    assert not failed and res["entities"] == {} and res["missing"] == ["client.gone"]


def test_a_bad_name_fails_before_any_call(capsys):
    t = RecordedTransport({"auth ls": AUTH_LS})
    failed, res = run_module(CephAuthInfo, dict(names=["glance"]), t, capsys)
    assert failed and "names" in res["msg"] and t.sent == []

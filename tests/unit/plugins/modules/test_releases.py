"""The modules' reads of each release's own answers, recorded from a lab of that release
(tests/unit/fixtures/releases/record.sh): the JSON of 16.2, 18.2 and 20.2 only gained fields, and
the key type comes from the monmap and the keys."""
import os

import pytest

from ansible_collections.cephstack.cloud.plugins.modules.ceph_auth import CephAuth
from ansible_collections.cephstack.cloud.plugins.modules.ceph_cluster_info import CephClusterInfo
from ansible_collections.cephstack.cloud.plugins.modules.ceph_health_info import CephHealthInfo
from ansible_collections.cephstack.cloud.plugins.modules.ceph_pool import CephPool
from tests.unit.helpers import RecordedTransport, fixture, run_module

RELEASES = {"pacific": "aes", "reef": "aes", "tentacle": "aes256k"}   # release: the type it mints


def recorded(release, name):
    return fixture(os.path.join("releases", release, name))


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_cluster_info_of_each_release(release, capsys):
    dump = recorded(release, "mon_dump.json")
    failed, res = run_module(CephClusterInfo, {}, RecordedTransport({"mon dump": dump, "fs ls": []}), capsys)
    assert not failed and res["fsid"] == dump["fsid"]
    assert res["mon_host"].startswith("[v2:127.0.0.1:") and res["mons"][0]["name"] == "a"
    assert res["key_type"] == RELEASES[release]
    assert res["allowed_key_types"] == [RELEASES[release]]


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_an_unchanged_user_of_each_release(release, capsys):
    glance = recorded(release, "auth_get_client.glance.json")
    failed, res = run_module(CephAuth, dict(name="client.glance", caps=glance[0]["caps"]),
                             RecordedTransport({"auth get": glance}), capsys)
    assert not failed and res["changed"] is False and res["commands"] == []
    assert res["entity"]["key_type"] == RELEASES[release]
    assert glance[0]["key"] not in str(res)


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_a_rotation_on_each_release_keeps_the_key_type(release, capsys):
    glance = recorded(release, "auth_get_client.glance.json")
    t = RecordedTransport({"auth get": glance, "mon dump": recorded(release, "mon_dump.json")})
    failed, res = run_module(CephAuth, dict(name="client.glance", rotate_key=True), t, capsys, check_mode=True)
    assert not failed and res["changed"]
    if release == "tentacle":   # knows key types: one auth rotate, with the key's type
        assert res["commands"] == ["ceph auth rotate --entity client.glance --key_type aes256k"]
    else:
        assert [c.split(" --")[0] for c in res["commands"]] == ["ceph auth rm", "ceph auth get-or-create"]
    assert res["entity"]["key_type"] == RELEASES[release]


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_an_unchanged_pool_of_each_release(release, capsys):
    pools = recorded(release, "osd_pool_ls_detail.json")
    images = [p for p in pools if p["pool_name"] == "images"][0]
    t = RecordedTransport({"osd pool ls": pools, "osd crush rule dump": fixture("osd_crush_rule_dump.json")},
                          ["images/rbd_info"])
    failed, res = run_module(CephPool, dict(name="images", pg_num=images["pg_num"], size=images["size"],
                                            application="rbd"), t, capsys)
    assert not failed and res["changed"] is False, res


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_health_of_each_release(release, capsys):
    status = recorded(release, "status.json")
    version = recorded(release, "version.json")
    t = RecordedTransport({"status": status, "df": recorded(release, "df_detail.json"), "version": version})
    failed, res = run_module(CephHealthInfo, {}, t, capsys)
    assert not failed and res["health"]["status"] == status["health"]["status"]
    assert res["osds"]["total"] == 1 and "images" in res["pools"]

"""The roles' data filters: config sections, keyrings per host, users for cross-checks."""
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.cephstack.cloud.plugins.filter import role_data as f

CINDER_DEFAULTS = dict(user="cinder", ceph_conf="/etc/ceph/ceph.conf", cluster_name="ceph",
                       secret_uuid="457eb676-33da-42ec-9a8c-9293d545c337", flatten_volume_from_snapshot=False,
                       max_clone_depth=5, store_chunk_size=4, rados_connect_timeout=30,
                       report_discard_supported=True)


def test_cinder_sections_take_defaults_and_per_backend_overrides():
    sections = f.cinder_rbd_sections([{"name": "ceph", "pool": "volumes"},
                                      {"name": "fast", "pool": "ssd", "user": "fast", "backend_name": "ssd"}],
                                     CINDER_DEFAULTS)
    assert sections["ceph"]["rbd_pool"] == "volumes" and sections["ceph"]["rbd_user"] == "cinder"
    assert sections["ceph"]["volume_backend_name"] == "ceph"
    assert sections["ceph"]["volume_driver"] == "cinder.volume.drivers.rbd.RBDDriver"
    assert sections["fast"]["rbd_user"] == "fast" and sections["fast"]["volume_backend_name"] == "ssd"
    assert sections["fast"]["rbd_secret_uuid"] == CINDER_DEFAULTS["secret_uuid"]


def test_cinder_backend_without_pool_is_refused_by_name():
    with pytest.raises(AnsibleFilterError, match="needs pool"):
        f.cinder_rbd_sections([{"name": "ceph"}], CINDER_DEFAULTS)


def test_glance_sections():
    s = f.glance_rbd_sections([{"name": "ceph", "pool": "images", "user": "glance"},
                               {"name": "snap", "pool": "snapshots", "user": "glance", "chunk_size": 4}],
                              dict(ceph_conf="/etc/ceph/ceph.conf", chunk_size=8, rados_connect_timeout=30))
    assert s["ceph"] == {"rbd_store_pool": "images", "rbd_store_user": "glance",
                         "rbd_store_ceph_conf": "/etc/ceph/ceph.conf", "rbd_store_chunk_size": 8,
                         "rados_connect_timeout": 30, "store_description": "ceph"}
    assert s["snap"]["rbd_store_chunk_size"] == 4


RESULTS = [
    {"item": {"name": "client.glance", "keyring_groups": {"glance": "glance"}}, "key": "K1",
     "entity": {"name": "client.glance", "caps": {"mon": "profile rbd"}}},
    {"item": {"name": "client.cinder", "keyring_groups": {"cinder_volume": "cinder", "nova_compute": "nova"}},
     "entity": {"name": "client.cinder", "caps": {"osd": "profile rbd pool=volumes"}}},   # check mode: no key
    {"item": {"name": "client.old", "state": "absent", "keyring_groups": {"glance": "glance"}}, "entity": {}},
]
GROUPS = {"glance": ["g1"], "cinder_volume": ["c1", "both"], "nova_compute": ["n1", "both"]}


def test_host_keyrings_by_inventory_group():
    assert f.host_keyrings(RESULTS, "g1", GROUPS) == [dict(name="client.glance", group="glance", key="K1")]
    assert f.host_keyrings(RESULTS, "n1", GROUPS) == [dict(name="client.cinder", group="nova", key=None)]
    assert f.host_keyrings(RESULTS, "both", GROUPS) == [dict(name="client.cinder", group="cinder", key=None)]
    assert f.host_keyrings(RESULTS, "other", GROUPS) == []


def test_cephx_users_has_caps_and_no_keys():
    users = f.cephx_users(RESULTS)
    assert users == {"client.glance": {"name": "client.glance", "caps": {"mon": "profile rbd"}},
                     "client.cinder": {"name": "client.cinder", "caps": {"osd": "profile rbd pool=volumes"}}}


def test_hostvar_values_first_defined_name_wins():
    hostvars = {"a": {"x": "1", "y": "2"}, "b": {"y": "2"}, "c": {"x": ""}, "d": {}}
    assert f.hostvar_values(["a", "b", "c", "d"], hostvars, ["x", "y"]) == ["1", "2"]


def test_cephfs_mount_plan_has_no_keys_and_skips_unknowns():
    subs = [{"item": {"name": "a", "path": "/srv/a", "auth_id": "ua"}, "subvolume": {"path": "/volumes/_nogroup/a/1"}},
            {"item": {"name": "b", "path": "/srv/b", "auth_id": "ub"}, "subvolume": {"path": "(known after apply)"}},
            {"item": {"name": "c", "path": "/srv/c", "auth_id": "uc", "fs": "fs2"}, "subvolume": {"path": "/v/c"}}]
    access = [{"key": "AQA-secret-a"}, {"key": "AQA-secret-b"}, {}]
    plan = f.cephfs_mount_plan(subs, access, "cephfs")
    assert plan == [dict(name="a", path="/srv/a", root="/volumes/_nogroup/a/1", auth_id="ua", fs="cephfs")]
    assert "AQA" not in str(plan)


@pytest.mark.parametrize("value, expected", [
    ("457eb676-33da-42ec-9a8c-9293d545c337", True),     # the lab's secret UUID
    ("457EB676-33DA-42EC-9A8C-9293D545C337", True),
    ("457eb67633da42ec9a8c9293d545c337", False),        # no hyphens: not the canonical form
    ("457eb676-33da-42ec-9a8c-9293d545c33", False),
    ("457eb676-33da-42ec-9a8c-9293d545c337\n", False),
    ("{457eb676-33da-42ec-9a8c-9293d545c337}", False),
    ("", False), (None, False), (42, False),
])
def test_is_uuid_takes_only_the_canonical_form(value, expected):
    assert f.is_uuid(value) is expected


@pytest.mark.parametrize("groups, fallback, expected", [
    ({"ceph_admin": ["mon1", "mon2"], "all": ["mon1", "mon2", "c1"]}, "c1", "mon1"),
    ({"ceph_admin": [], "all": ["c1"]}, "c1", "c1"),
    ({"all": ["c1"]}, "", ""),
    (None, "c1", "c1"),
])
def test_ceph_admin_host_is_the_first_admin_or_the_fallback(groups, fallback, expected):
    assert f.ceph_admin_host(groups, fallback) == expected


def test_the_unknown_sentinel_is_told_by_is_unknown_only():
    from ansible_collections.cephstack.cloud.plugins.module_utils.resource import UNKNOWN, is_unknown
    assert is_unknown(UNKNOWN) and is_unknown("(known after apply)")
    assert not is_unknown(None) and not is_unknown("/volumes/_nogroup/a/1") and not is_unknown(["(known after apply)"])


def test_cephx_given_users_read_as_ceph_auth_results():
    users = [{"name": "client.cinder", "caps": {"osd": "profile rbd pool=volumes"}, "keyring_groups": {"nova_compute": "nova"}},
             {"name": "client.glance", "keyring_groups": {"glance": "glance"}},
             {"name": "client.old", "state": "absent", "keyring_groups": {"nova_compute": "nova"}}]
    key = "AQBxvq5lAAAAABAAoRwnD3xHXOzd0vzpTLbHaQ=="
    results = f.cephx_given_users(users, {"client.cinder": key, "client.old": key})
    groups = {"nova_compute": ["c1"], "glance": ["g1"]}
    assert f.host_keyrings(results, "c1", groups) == [dict(name="client.cinder", group="nova", key=key)]
    assert f.host_keyrings(results, "g1", groups) == [dict(name="client.glance", group="glance", key=None)]
    assert f.cephx_users(results) == {"client.cinder": dict(name="client.cinder", caps={"osd": "profile rbd pool=volumes"}),
                                      "client.glance": dict(name="client.glance", caps={})}
    with pytest.raises(AnsibleFilterError, match="needs name"):
        f.cephx_given_users([{"caps": {}}], {})


MAIN = "457eb676-33da-42ec-9a8c-9293d545c337"
EDGE = "3b0a9c1e-7d52-4f8a-9e61-2c4d5b6a7f80"


def test_volume_cluster_errors_name_each_problem():
    good = [{"cluster": "edge", "secret_uuid": EDGE, "conf": "/etc/ceph/edge.conf"}]
    assert f.volume_cluster_errors(good, MAIN) == []
    assert f.volume_cluster_errors([{"cluster": "edge", "secret_uuid": EDGE, "key": "AQ..."}], MAIN) == []
    bad = [{"cluster": "edge", "secret_uuid": MAIN, "conf": "/c"}, {"cluster": "edge", "secret_uuid": "x"},
           {"secret_uuid": EDGE, "key": "AQBxvq5lAAAAABAAoRwnD3xHXOzd0vzpTLbHaQ=="}]
    assert "AQBx" not in repr(f.volume_cluster_errors(bad, MAIN))
    assert f.volume_cluster_errors(bad, MAIN) == [
        "cluster edge: secret_uuid %s is already another cluster's secret (one secret per cluster)" % MAIN,
        "cluster edge is listed twice in nova_compute_volume_clusters",
        "cluster edge: secret_uuid must be a UUID (got 'x')",
        "cluster edge: give conf (that cluster's admin ceph.conf on the admin host) or key",
        "each nova_compute_volume_clusters item needs cluster (a name), got one with key, secret_uuid"]


def test_volume_cluster_keys_by_cluster_none_for_a_missing_user():
    results = [{"item": {"cluster": "edge"}, "entities": {"client.cinder": {"key": "K1"}}},
               {"item": {"cluster": "far", "user": "nova"}, "entities": {}},
               {"item": {"cluster": "given", "key": "K3"}, "skipped": True}]
    assert f.volume_cluster_keys(results, "cinder") == {"edge": "K1", "far": None}


def test_backend_secret_errors_check_the_computes_of_the_backends_zone():
    hostvars = {"c1": {"cephstack_libvirt_secret_uuid": MAIN, "cephstack_availability_zone": "central"},
                "e1": {"cephstack_libvirt_secret_uuid": MAIN, "cephstack_availability_zone": "edge",
                       "nova_compute_volume_clusters": [{"cluster": "edge", "secret_uuid": EDGE}]}}
    computes = ["c1", "e1"]
    central = {"name": "central", "pool": "volumes"}
    edge = {"name": "edge", "pool": "volumes", "secret_uuid": EDGE, "availability_zone": "edge"}
    assert f.backend_secret_errors([central, edge], MAIN, computes, hostvars) == []
    assert f.backend_secret_errors([dict(edge, availability_zone=None)], MAIN, computes, hostvars) == [
        "cinder backend edge: rbd_secret_uuid (%s) must be a libvirt secret of the compute hosts that attach its "
        "volumes (all of them), but c1 holds only %s" % (EDGE, MAIN)]
    assert f.backend_secret_errors([central], "not-a-uuid", computes, hostvars) == [
        "cinder backend central: rbd_secret_uuid must be a UUID (got 'not-a-uuid')"]
    assert f.backend_secret_errors([central], EDGE, [], hostvars) == []      # no compute host in the inventory


def test_cinder_sections_name_the_backends_zone():
    sections = f.cinder_rbd_sections([{"name": "edge", "pool": "volumes", "availability_zone": "edge"}], CINDER_DEFAULTS)
    assert sections["edge"]["backend_availability_zone"] == "edge"
    assert "backend_availability_zone" not in f.cinder_rbd_sections([{"name": "c", "pool": "v"}], CINDER_DEFAULTS)["c"]

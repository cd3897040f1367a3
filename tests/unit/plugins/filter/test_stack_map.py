"""The stack map's model on configs as the roles write them: what each host uses, and each
cross-check that fails."""
from ansible_collections.cephstack.cloud.plugins.filter.stack_map import stack_map

GLANCE = "[DEFAULT]\nenabled_backends = ceph:rbd\n[ceph]\nrbd_store_pool = images\nrbd_store_user = glance\n"
CINDER = ("[DEFAULT]\nenabled_backends = ceph\n[ceph]\nvolume_driver = cinder.volume.drivers.rbd.RBDDriver\n"
          "rbd_pool = volumes\nrbd_user = cinder\nrbd_secret_uuid = 457eb676-33da-42ec-9a8c-9293d545c337\n"
          "[glance]\npassword = not-in-the-map\n")
NOVA = "[libvirt]\nimages_type = rbd\nimages_rbd_pool = vms\nrbd_user = cinder\nrbd_secret_uuid = %s\n"
CAPS = {"client.glance": {"caps": {"mon": "profile rbd", "osd": "profile rbd pool=images"}},
        "client.cinder": {"caps": {"mon": "profile rbd", "osd": "profile rbd pool=volumes, profile rbd pool=vms"}}}
POOLS = dict((p, {"stored_bytes": 19, "max_avail_bytes": 3 << 30}) for p in ("images", "volumes", "vms"))


def keyring(host, user, mode="0640"):
    return {"path": "/etc/ceph/ceph.client.%s.keyring" % user, "mode": mode}


def hosts(nova_secret="457eb676-33da-42ec-9a8c-9293d545c337", glance=GLANCE, glance_keyring_mode="0640"):
    return [
        {"name": "g1", "groups": ["glance"], "keyrings": [keyring("g1", "glance", glance_keyring_mode)],
         "configs": {"glance": glance}},
        {"name": "c1", "groups": ["cinder_volume"], "keyrings": [keyring("c1", "cinder")], "configs": {"cinder": CINDER}},
        {"name": "n1", "groups": ["nova_compute"], "keyrings": [keyring("n1", "cinder")],
         "configs": {"nova": NOVA % nova_secret}},
    ]


def cluster(entities=None):
    return {"name": "ceph", "fsid": "f", "mons": "m", "entities": CAPS if entities is None else entities, "pools": POOLS}


def test_a_consistent_stack_has_no_problem_and_no_password():
    model = stack_map(hosts(), cluster())
    assert model["problems"] == []
    assert [s["title"] for s in model["services"]] == ["Glance", "Cinder volume", "Nova compute"]
    nova = model["services"][2]
    assert nova["users"] == ["client.cinder"] and nova["pools"] == ["vms"]
    assert "libvirt secret 457eb676-33da-42ec-9a8c-9293d545c337" in [l["text"] for l in nova["lines"]]
    assert "not-in-the-map" not in repr(model)
    assert model["size"]["width"] == 20 + 3 * 420 and all(s["y"] == 20 for s in model["services"])


def test_each_failed_cross_check_is_named():
    bad_glance = GLANCE.replace("pool = images", "pool = nopool")
    model = stack_map(hosts(nova_secret="00000000-0000-0000-0000-000000000000", glance=bad_glance,
                            glance_keyring_mode="0644"), cluster())
    messages = [p["message"] for p in model["problems"]]
    assert "glance-api.conf [ceph] names pool nopool, which the cluster does not have" in messages
    assert any("libvirt secret UUID differs" in m and "00000000" in m for m in messages)
    assert "ceph.client.glance.keyring is readable by every user (mode 0644)" in messages
    assert [l["kind"] for l in model["services"][0]["lines"]].count("problem") == 2


def test_missing_user_caps_and_keyring():
    entities = {"client.glance": {"caps": {"osd": "profile rbd-read-only pool=images"}}}
    nokeys = hosts()
    nokeys[0]["keyrings"] = []
    messages = [p["message"] for p in stack_map(nokeys, cluster(entities))["problems"]]
    assert "client.glance's osd caps do not give rwx on pool images" in messages
    assert "no keyring ceph.client.glance.keyring on the host" in messages
    assert "cinder.conf [ceph] names client.cinder, which the cluster does not have" in messages


def test_a_backend_of_another_cluster_is_left_to_that_clusters_map():
    edge = ("\n[edge]\nvolume_driver = cinder.volume.drivers.rbd.RBDDriver\nrbd_pool = volumes\nrbd_user = cinder\n"
            "rbd_cluster_name = edge\nrbd_secret_uuid = 9d2c4e6a-1b3f-4a5d-8e7c-0f1a2b3c4d5e\n")
    two = hosts()
    two[1]["configs"]["cinder"] = CINDER + edge
    model = stack_map(two, cluster())
    assert model["problems"] == []       # its secret UUID is not the central cluster's client.cinder's
    assert [u["where"] for u in model["services"][1]["hosts"][0]["uses"]] == ["cinder.conf [ceph]"]
    edge_map = stack_map(two, dict(cluster(), name="edge"))
    assert [u["where"] for u in edge_map["services"][1]["hosts"][0]["uses"]] == ["cinder.conf [edge]"]

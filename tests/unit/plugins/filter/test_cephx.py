"""cephx_allows: caps are parsed and pool names match exactly (the cinder cross-check)."""
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.cephstack.cloud.plugins.filter.cephx import cephx_allows


@pytest.mark.parametrize("caps, pool, access, allowed", [
    ("profile rbd pool=volumes", "volumes", "rwx", True),
    ("profile rbd pool=volumes-old", "volumes", "rwx", False),         # no substring match
    ("profile rbd pool=volumes", "volumes-old", "rwx", False),
    ("profile rbd pool=vol*", "volumes", "rwx", True),                 # Ceph's prefix glob
    ("profile rbd", "anything", "rwx", True),                          # no pool: every pool
    ("profile rbd-read-only pool=volumes", "volumes", "rwx", False),   # read-only is no write
    ("profile rbd-read-only pool=volumes", "volumes", "r", True),
    ("profile rbd pool=images, profile rbd-read-only pool=volumes", "volumes", "rwx", False),
    ("profile rbd-read-only pool=volumes, profile rbd pool=volumes", "volumes", "rwx", True),
    ("allow rwx pool=volumes", "volumes", "rwx", True),
    ("allow rw pool=volumes", "volumes", "rwx", False),                # RBD needs x (class calls)
    ("allow r pool=volumes, allow w pool=volumes, allow x pool=volumes", "volumes", "rwx", True),
    ("allow pool volumes rwx", "volumes", "rwx", True),                # the older syntax
    ("allow *", "volumes", "rwx", True),
    ("allow rwx", "volumes", "rwx", True),
    ("allow rwx pool=volumes namespace=tenant1", "volumes", "rwx", False),   # another namespace
    ("allow rwx pool=volumes namespace=*", "volumes", "rwx", True),
    ("allow rwx pool=volumes object_prefix rbd_data", "volumes", "rwx", False),
    ("allow rwx tag rbd data=volumes", "volumes", "rwx", False),
    ("allow class-read object_prefix rbd_children, allow rwx pool=volumes", "volumes", "rwx", True),
    ("profile osd", "volumes", "r", False),
    ("", "volumes", "r", False),
    (None, "volumes", "r", False),
])
def test_cephx_allows(caps, pool, access, allowed):
    assert cephx_allows(caps, pool, access) is allowed


def test_namespace_grant_counts_in_its_own_namespace():
    assert cephx_allows("profile rbd pool=volumes namespace=tenant1", "volumes", "rwx", "tenant1")
    assert not cephx_allows("profile rbd pool=volumes namespace=tenant1", "volumes", "rwx", "tenant2")


def test_bad_access_letters_are_refused():
    with pytest.raises(AnsibleFilterError, match="access='rwz'"):
        cephx_allows("allow *", "volumes", "rwz")


# --- key types a host's Ceph client reads ------------------------------------------------------
from ansible_collections.cephstack.cloud.plugins.filter.cephx import cephx_unreadable_keys  # noqa: E402
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_values import (  # noqa: E402
    parse_ceph_version, reads_key_type)


@pytest.mark.parametrize("version, reads", [
    ("16.2.15+ds-0+deb12u1", False),    # Debian 12: measured, "Malformed input"
    ("18.2.7+ds-1", False),             # Debian 13: measured
    ("19.2.5", False), ("19.2.6", True), ("19.3.0", True),
    ("20.2.3", False), ("20.2.4+ds-1", True), ("2:20.2.4-1", True), ("21.1.0", True),
    ("", True), (None, True), ("garbage", True),     # unknown: not refused
])
def test_which_clients_read_aes256k_keys(version, reads):
    assert reads_key_type(version, "aes256k") is reads
    assert reads_key_type(version, "aes") is True


def test_versions_are_parsed_from_package_versions():
    assert parse_ceph_version("16.2.15+ds-0+deb12u1") == (16, 2, 15)
    assert parse_ceph_version("1:20.2.4-1") == (20, 2, 4)
    assert parse_ceph_version("n/a") is None


USERS = [{"name": "client.nova", "keyring_groups": {"nova_compute": "nova"}},
         {"name": "client.cinder", "key_type": "aes", "keyring_groups": {"nova_compute": "nova"}},
         {"name": "client.glance", "keyring_groups": {"glance": "glance"}},
         {"name": "client.old", "state": "absent", "keyring_groups": {"nova_compute": "nova"}}]
GROUPS = {"nova_compute": ["compute1"], "glance": ["glance1"]}


def test_an_old_client_host_is_told_which_keyring_it_cannot_read():
    problems = cephx_unreadable_keys(USERS, "compute1", GROUPS, "16.2.15+ds-0+deb12u1", "aes256k")
    assert len(problems) == 1
    for words in ("compute1: client.nova has an aes256k key (what the cluster mints)", "librados 16.2.15",
                  "key_type: aes", "auth_allowed_ciphers aes256k,aes", "mon_auth_allow_insecure_key",
                  "newer Ceph client packages on compute1"):
        assert words in problems[0]


def test_existing_keys_and_new_clients_pass():
    assert cephx_unreadable_keys(USERS, "compute1", GROUPS, "16.2.15", "aes256k", {"client.nova": "aes"}) == []
    assert cephx_unreadable_keys(USERS, "compute1", GROUPS, "20.2.4", "aes256k") == []
    assert cephx_unreadable_keys(USERS, "compute1", GROUPS, "16.2.15", "aes") == []
    assert cephx_unreadable_keys(USERS, "glance1", GROUPS, "", "aes256k") == []
    asked = cephx_unreadable_keys([dict(USERS[1], key_type="aes256k")], "compute1", GROUPS, "18.2.7", "aes")
    assert len(asked) == 1 and "(its key_type)" in asked[0]


def test_aes_only_clients():
    from ansible_collections.cephstack.cloud.plugins.filter.cephx import cephx_aes_only_clients
    assert cephx_aes_only_clients(["16.2.15+ds-0+deb12u1", "20.2.4+ds-1", "", "18.2.7"]) == \
        ["16.2.15+ds-0+deb12u1", "18.2.7"]
    users = {"client.nova": {"name": "client.nova", "caps": {}, "key_type": "aes"}}
    assert cephx_unreadable_keys(USERS, "compute1", GROUPS, "16.2.15", "aes256k", users) == []


from ansible_collections.cephstack.cloud.plugins.filter.cephx import ceph_name_errors  # noqa: E402


@pytest.mark.parametrize("value", ["gnt hg", "vol/umes", "", ".hidden", "-x", "a" * 128, None, 7])
def test_bad_pool_names_are_named_with_their_option(value):
    errors = ceph_name_errors({"ganeti_rbd_pool": value}, "pool")
    assert errors == ["ganeti_rbd_pool=%r is not a valid pool name: use 1-127 characters from "
                      "A-Z a-z 0-9 _ . - , not starting with '.' or '-'" % (value,)]


@pytest.mark.parametrize("value", ["client.glance", "gl ance", "", "-g", "@g", "a/b", None])
def test_bad_cephx_ids_are_named_with_their_option(value):
    errors = ceph_name_errors({"glance_rbd_stores[].user": ["glance", value]}, "user")
    assert len(errors) == 1 and errors[0].startswith("glance_rbd_stores[].user=%r is not a cephx id" % (value,))
    assert "without 'client.'" in errors[0]


@pytest.mark.parametrize("value", ["glance", "foo.glance", "client.", "client.gl ance", "client.-g", None])
def test_bad_entities_are_named_with_their_option(value):
    errors = ceph_name_errors({"ceph_clients_users[].name": ["client.glance", value]}, "entity")
    assert errors == ["ceph_clients_users[].name=%r is not a cephx entity: expected TYPE.ID with TYPE one of "
                      "client, mgr, mds, osd, mon (e.g. client.glance)" % (value,)]


def test_good_names_give_no_error():
    assert ceph_name_errors({"p": ["images", "vms_2", "a.b-c", "a" * 127]}, "pool") == []
    assert ceph_name_errors({"u": ["glance", "cinder-backup", "rgw.a@x"], "v": []}, "user") == []
    assert ceph_name_errors({"e": ["client.glance", "client.cinder-backup", "mgr.x"]}, "entity") == []


def test_an_unknown_kind_is_refused():
    with pytest.raises(AnsibleFilterError, match="kind must be pool, user or entity"):
        ceph_name_errors({"p": "x"}, "fs")


@pytest.mark.parametrize("caps, pools", [
    ("profile rbd pool=volumes, profile rbd pool=vms, profile rbd-read-only pool=images", ["volumes", "vms", "images"]),
    ("allow rwx pool=backups,allow r pool=backups", ["backups"]),     # each once; Ceph's spacing
    ("allow pool cinder-fast rwx", ["cinder-fast"]),                  # the older syntax
    ("profile rbd", []),                                              # every pool: none named
    ("profile rbd pool=vms*", []),                                    # a prefix names no pool
    ("", []),
])
def test_cephx_pools_names_the_pools_of_the_grants(caps, pools):
    from ansible_collections.cephstack.cloud.plugins.filter.cephx import cephx_pools
    assert cephx_pools(caps) == pools


def test_client_access_errors_name_the_user_and_the_pools_and_no_key():
    from ansible_collections.cephstack.cloud.plugins.filter.cephx import client_access_errors
    key = "AQBxvq5lAAAAABAAoRwnD3xHXOzd0vzpTLbHaQ=="
    fsid = "0d6c9f2a-3f0e-4b8e-9c71-1f1d1c2d9e11"
    users = [{"name": "client.cinder", "caps": {"osd": "profile rbd pool=volumes, profile rbd pool=vms"}},
             {"name": "client.nova", "caps": {"osd": "profile rbd pool=vms"}},
             {"name": "client.glance", "caps": {"osd": "profile rbd pool=images"}}]
    results = [
        # as registered with failed_when: false, which sets failed to false
        {"item": {"name": "client.cinder", "key": key}, "failed": False, "msg": "cannot connect: permission denied"},
        {"item": {"name": "client.nova", "key": key}, "fsid": fsid, "pools": {"vms": "denied"}},
        {"item": {"name": "client.glance", "key": key}, "fsid": "another", "pools": {"images": "missing"}},
        {"item": {"name": "client.skip", "key": key}, "skipped": True},
    ]
    errors = client_access_errors(results, fsid, users)
    assert errors == [
        "client.cinder cannot log in, so it cannot reach pool(s) volumes, vms: cannot connect: permission denied",
        "client.nova cannot read pool vms: its caps do not allow it",
        "client.glance logs in to a cluster whose fsid is another, not the %s that ceph_clients_fsid names" % fsid,
        "client.glance cannot read pool images: no such pool"]
    assert key not in repr(errors)
    good = [{"item": {"name": "client.nova", "key": key}, "fsid": fsid, "pools": {"vms": "readable"}}]
    assert client_access_errors(good, fsid, users) == []

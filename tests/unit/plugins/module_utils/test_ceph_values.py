import pytest

from ansible_collections.cephstack.cloud.plugins.module_utils import ceph_values as v

REAL_KEY = "AQAeoAFrtG3cFRAA0+fnE1OFO/TA3lPa7zBxEg=="   # minted by the lab's mon


@pytest.mark.parametrize("name", ["images", "vms", "cinder_backups", "a.b-c", "x" * 127])
def test_pool_names_accepted(name):
    assert v.check_pool_name(name) == name


@pytest.mark.parametrize("name", ["", ".hidden", "-x", "bad/name", "has space", "a,b", "x" * 128, None])
def test_pool_names_rejected_with_option_name(name):
    with pytest.raises(ValueError) as e:
        v.check_pool_name(name)
    assert "name=" in str(e.value)


@pytest.mark.parametrize("value, expected", [
    (0, 0), (1024, 1024), ("10G", 10 * 1024 ** 3), ("10GiB", 10 * 1024 ** 3), ("512M", 512 * 1024 ** 2),
    ("1T", 1024 ** 4), ("7", 7),
])
def test_sizes(value, expected):
    assert v.parse_size(value, "quota_max_bytes") == expected


@pytest.mark.parametrize("value", ["ten", "10X", "-5", -5, True, "1.5G"])
def test_bad_sizes_name_the_option(value):
    with pytest.raises(ValueError) as e:
        v.parse_size(value, "quota_max_bytes")
    assert "quota_max_bytes" in str(e.value)


def test_caps_are_normalised():
    caps = v.normalize_caps({"mon": " profile   rbd ", "osd": "profile rbd pool=a,profile rbd-read-only  pool=b",
                             "mgr": ""})
    assert caps == {"mon": "profile rbd", "osd": "profile rbd pool=a, profile rbd-read-only pool=b"}


@pytest.mark.parametrize("caps, words", [
    ({"xyz": "allow r"}, ["unknown daemon type", "mon, osd, mds, mgr"]),
    ({"mon": "bogus"}, ["caps.mon", "malformed"]),
    ({"osd": "profile rbd pool=a, grant r"}, ["caps.osd", "malformed"]),
    ("mon allow r", ["must be a dict"]),
])
def test_bad_caps(caps, words):
    with pytest.raises(ValueError) as e:
        v.normalize_caps(caps)
    for w in words:
        assert w in str(e.value)


def test_real_key_accepted():
    assert v.check_cephx_key(REAL_KEY) == REAL_KEY


@pytest.mark.parametrize("key, words", [
    ("not base64!!", ["key", "not valid base64"]),
    ("aGVsbG8=", ["key", "decodes to 5 bytes"]),
    ("AAAeoAFrtG3cFRAA0+fnE1OFO/TA3lPa7zBxEg==", ["key", "not an AES cephx key"]),
])
def test_bad_keys(key, words):
    with pytest.raises(ValueError) as e:
        v.check_cephx_key(key)
    for w in words:
        assert w in str(e.value)


@pytest.mark.parametrize("name", ["client.glance", "client.cinder-backup", "mgr.x", "osd.0"])
def test_entities(name):
    assert v.check_entity(name) == name


@pytest.mark.parametrize("name", ["glance", "user.glance", "client.", "client.a b"])
def test_bad_entities(name):
    with pytest.raises(ValueError):
        v.check_entity(name)


def test_keyring_text_matches_ceph_format():
    assert v.keyring_text("client.a", REAL_KEY, {"mon": "profile rbd"}) == \
        '[client.a]\n\tkey = %s\n\tcaps mon = "profile rbd"\n' % REAL_KEY

import base64
import struct

import pytest

from ansible_collections.cephstack.cloud.plugins.module_utils import ceph_values as v

REAL_KEY = "AQAeoAFrtG3cFRAA0+fnE1OFO/TA3lPa7zBxEg=="   # minted by the lab's mon
REAL_AES256K_KEY = "AgCZfQ9rtI6qACAAnXO/7uInLFjCrHMCjeuckMz0eWvIPG0cXTZecYTMC8U="   # minted by Tentacle 20.2.4


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


@pytest.mark.parametrize("key, key_type", [(REAL_KEY, "aes"), (REAL_AES256K_KEY, "aes256k")])
def test_real_keys_accepted(key, key_type):
    assert v.check_cephx_key(key) == key
    assert v.check_cephx_key(" %s\n" % key) == key
    assert v.cephx_key_type(key) == key_type


def forged(key_type, length, total):
    raw = struct.pack("<HIIH", key_type, 1764000000, 0, length)
    return base64.b64encode(raw + b"\x01" * (total - len(raw))).decode()


@pytest.mark.parametrize("key, words", [
    ("not base64!!", ["key", "not valid base64", "aes256k"]),
    ("aGVsbG8=", ["key", "decodes to 5 bytes", "28 (aes) or 44 (aes256k)"]),
    ("AAAeoAFrtG3cFRAA0+fnE1OFO/TA3lPa7zBxEg==", ["key", "type 0, where 1 is aes and 2 is aes256k"]),
    (forged(1, 32, 44), ["key", "secret length 32", "cephx aes key decodes to 28"]),
    (forged(2, 16, 28), ["key", "secret length 16", "cephx aes256k key decodes to 44"]),
    (forged(2, 32, 45), ["key", "decodes to 45 bytes"]),
    (forged(3, 32, 44), ["key", "type 3"]),
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


@pytest.mark.parametrize("value", ["garbage", "", None, 7])
def test_key_type_of_non_keys(value):
    assert v.cephx_key_type(value) is None

"""The INI engine touches only the options it is given; the Ceph dialect knows Ceph's names."""
from ansible_collections.cephstack.cloud.plugins.module_utils.config_file import (
    CephDialect, OsloDialect, dialect_for, edit, parse_keyring)

PACKAGED = """[DEFAULT]
# from the package
debug = false
show_image_direct_url = false

[glance_store]
stores = file
stores = http
filesystem_store_datadir = /var/lib/glance/images/

[keystone_authtoken]
password = secret
""".splitlines()


def test_sets_changes_adds_and_keeps_the_rest():
    lines, changed = edit(PACKAGED, {"DEFAULT": {"show_image_direct_url": True},
                                     "glance_store": {"stores": "rbd", "rbd_store_pool": "images"},
                                     "ceph": {"rbd_store_user": "glance"}})
    text = "\n".join(lines)
    assert changed == ["DEFAULT.show_image_direct_url", "glance_store.stores", "glance_store.rbd_store_pool",
                       "ceph.rbd_store_user"]
    assert "# from the package" in text and "debug = false" in text and "password = secret" in text
    assert "stores = http" not in text and text.count("stores = rbd") == 1
    assert "filesystem_store_datadir = /var/lib/glance/images/\nrbd_store_pool = images" in text
    assert text.endswith("[ceph]\nrbd_store_user = glance")


def test_second_pass_is_no_change():
    options = {"DEFAULT": {"workers": 1, "flags": ["a", "b"]}, "x": {"y": False}}
    once, changed = edit(PACKAGED, options)
    twice, changed_again = edit(once, options)
    assert changed and changed_again == [] and once == twice
    assert "flags = a,b" in once and "y = false" in once


def test_none_removes_only_that_option():
    lines, changed = edit(PACKAGED, {"DEFAULT": {"debug": None}, "missing": {"gone": None}})
    assert changed == ["DEFAULT.debug"]
    assert "debug" not in "\n".join(lines) and "show_image_direct_url = false" in lines


# ceph config generate-minimal-conf, as recorded from the lab (tab-indented, underscores).
MINIMAL_CONF = """# minimal ceph.conf for 9d3e2f9c-0f7e-4b7e-9d62-6e6a0c3f1b11
[global]
\tfsid = 9d3e2f9c-0f7e-4b7e-9d62-6e6a0c3f1b11
\tmon_host = [v2:127.0.0.1:3391/0,v1:127.0.0.1:6791/0]
""".splitlines()


def test_ceph_dialect_updates_mon_host_in_place_and_keeps_its_spelling():
    lines, changed = edit(MINIMAL_CONF, {"global": {"mon host": "[v2:10.0.0.1:3300,v1:10.0.0.1:6789]"}}, CephDialect)
    assert changed == ["global.mon host"]
    assert lines[3] == "\tmon_host = [v2:10.0.0.1:3300,v1:10.0.0.1:6789]"
    assert len(lines) == len(MINIMAL_CONF)
    assert not any(l.strip().startswith("mon host") for l in lines)


def test_ceph_dialect_space_underscore_and_dash_are_one_name():
    conf = ["[client]", "rbd-cache = true", "client_mount timeout = 15"]
    lines, changed = edit(conf, {"client": {"rbd cache": True, "client mount_timeout": 15}}, CephDialect)
    assert changed == [] and lines == conf
    lines, changed = edit(conf, {"client": {"rbd_cache": False}}, CephDialect)
    assert lines == ["[client]", "rbd-cache = false", "client_mount timeout = 15"]


def test_ceph_dialect_collapses_spellings_of_one_option():
    conf = ["[global]", "mon_host = a", "mon host = b"]
    lines, changed = edit(conf, {"global": {"mon host": "b"}}, CephDialect)
    assert lines == ["[global]", "mon_host = b"] and changed == ["global.mon host"]


def test_ceph_dialect_ignores_an_inline_comment_when_comparing():
    conf = ["[client]", "rbd cache = true  # set by hand"]
    assert edit(conf, {"client": {"rbd cache": True}}, CephDialect) == (conf, [])


def test_oslo_dialect_keeps_names_exact():
    conf = ["[DEFAULT]", "log_dir = /var/log/x"]
    lines, changed = edit(conf, {"DEFAULT": {"log-dir": "/y"}}, OsloDialect)
    assert lines == ["[DEFAULT]", "log_dir = /var/log/x", "log-dir = /y"]


def test_auto_dialect_by_path():
    assert dialect_for("/etc/ceph/ceph.conf") is CephDialect
    assert dialect_for("/etc/ceph/backup.conf") is CephDialect
    assert dialect_for("/srv/lab/ceph.conf") is CephDialect
    assert dialect_for("/etc/nova/nova.conf") is OsloDialect
    assert dialect_for("/etc/ceph/x.conf", "oslo") is OsloDialect


def test_parse_keyring_as_ceph_auth_get_prints_it():
    text = "[client.cinder]\n\tkey = AQBx==\n\tcaps mon = \"profile rbd\"\n"
    assert parse_keyring(text) == {"client.cinder": "AQBx=="}

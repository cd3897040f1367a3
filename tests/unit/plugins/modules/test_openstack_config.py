"""openstack_config touches only the options it is given."""
from ansible_collections.cephstack.cloud.plugins.modules.openstack_config import edit

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

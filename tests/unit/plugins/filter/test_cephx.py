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

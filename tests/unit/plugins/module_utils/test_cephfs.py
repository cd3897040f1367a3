"""The CephFS modules' shared checks, and the volumes plugin's answers (recorded on Tentacle) turned
into plain state."""
import json

import pytest

from ansible_collections.cephstack.cloud.plugins.module_utils.cephfs import check_mode, check_name, dir_attrs
from tests.unit.helpers import fixture

ANSWERS = fixture("cephfs_tentacle.json")["answers"]


@pytest.mark.parametrize("name", ["cephfs", "grp_1", "a.b-c", "x" * 255, "_leading_underscore"])
def test_names_ceph_takes(name):
    assert check_name(name, "name") == name


@pytest.mark.parametrize("name", [".hidden", "-dash", "with space", "slash/inside", "x" * 256, ""])
def test_names_ceph_refuses_name_the_option_and_the_rule(name):
    with pytest.raises(ValueError) as e:
        check_name(name, "group")
    assert str(e.value).startswith("group=%r is not a valid CephFS name: use 1-255 characters" % name)


def test_an_unset_name_is_not_checked():
    assert check_name(None, "group") is None


@pytest.mark.parametrize("given, normal", [("0755", "0755"), ("755", "0755"), ("0750", "0750"), (None, None)])
def test_modes_come_back_with_four_digits(given, normal):
    assert check_mode(given) == normal


@pytest.mark.parametrize("given", ["0855", "rwxr-x---", "07777", "75"])
def test_a_mode_that_is_not_octal_names_the_option(given):
    with pytest.raises(ValueError) as e:
        check_mode(given, "mode")
    assert "mode=%r is not an octal directory mode such as '0755'" % given in str(e.value)


@pytest.mark.parametrize("answer, attrs", [
    ("group_info", dict(uid=0, gid=100, mode="0750")),      # mode 16872: a directory, 0750
    ("subvolume_info", dict(uid=0, gid=100, mode="0755")),  # mode 16877: a directory, 0755
])
def test_owner_and_mode_from_the_recorded_info(answer, attrs):
    assert dir_attrs(json.loads(ANSWERS[answer]["out"])) == attrs

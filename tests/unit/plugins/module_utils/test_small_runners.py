"""qemu-img, dpkg-query/rpm and the mount table readers, on output recorded on Debian 12
(qemu-img 7.2 info of a new QCOW2 image, dpkg-query of an installed and a missing package, a
ceph-fuse line of /proc/mounts)."""
import os

from ansible_collections.cephstack.cloud.plugins.module_utils import mounts
from ansible_collections.cephstack.cloud.plugins.module_utils.package_query import PackageQuery
from ansible_collections.cephstack.cloud.plugins.module_utils.qemu_img import QemuImg
from tests.unit.helpers import FIXTURES, FakeAnsibleModule

with open(os.path.join(FIXTURES, "qemu_img_info_qcow2.json")) as f:
    QEMU_IMG_INFO = f.read()
DPKG_MISSING = (1, "", "dpkg-query: no packages found matching nova-compute\n")


class Tools(FakeAnsibleModule):
    """Tools found in /usr/bin (those in ``answers``), each answering (rc, out, err) from
    ``answers``; ``ran`` lists the argv each ran, after coreutils' timeout."""

    def __init__(self, answers):
        super(Tools, self).__init__(self.answer, present=set(answers))
        self.answers, self.ran = answers, []

    def answer(self, argv, **kwargs):
        tool = os.path.basename(argv[4])
        self.ran.append([tool] + list(argv[5:]))
        return self.answers[tool]


def test_qemu_img_info_and_the_convert_it_logs():
    tools = Tools({"qemu-img": (0, QEMU_IMG_INFO, "")})
    qemu_img = QemuImg(tools, timeout=300)
    info = qemu_img.info("/srv/cirros.qcow2")
    assert (info["format"], info["virtual-size"]) == ("qcow2", 67108864)
    qemu_img.convert_to_raw("/srv/cirros.qcow2", "qcow2", "/var/tmp/.glance-image.ab12cd34.raw")
    assert tools.ran[-1] == ["qemu-img", "convert", "-f", "qcow2", "-O", "raw", "/srv/cirros.qcow2",
                             "/var/tmp/.glance-image.ab12cd34.raw"]
    assert qemu_img.commands == [qemu_img.describe_convert("/srv/cirros.qcow2", "qcow2",
                                                           "/var/tmp/.glance-image.ab12cd34.raw")]
    assert qemu_img.call_count == 2


def test_installed_version_from_dpkg():
    tools = Tools({"dpkg-query": (0, "16.2.15+ds-0+deb12u2", "")})
    assert PackageQuery(tools).installed_version("librados2", "librados2") == ("16.2.15+ds-0+deb12u2", "dpkg")
    assert tools.ran == [["dpkg-query", "-W", "-f", "${Version}", "librados2"]]


def test_a_missing_package_is_none_and_rpm_answers_where_dpkg_is_absent():
    assert PackageQuery(Tools({"dpkg-query": DPKG_MISSING})).installed_version("nova-compute", "openstack-nova") \
        == (None, None)
    tools = Tools({"rpm": (0, "31.0.0", "")})
    assert PackageQuery(tools).installed_version("nova-compute", "openstack-nova-compute") == ("31.0.0", "rpm")
    assert tools.ran == [["rpm", "-q", "--qf", "%{VERSION}", "openstack-nova-compute"]]


def test_the_mount_table_and_fstab_readers():
    table = os.path.join(FIXTURES, "proc_mounts_ceph_fuse.txt")
    with open(table) as f:
        path = f.read().split()[1]
    assert mounts.mounted(path, table) == "fuse.ceph-fuse"
    assert mounts.mounted("/nowhere", table) is None
    fstab = "# a comment\nUUID=1 / ext4 defaults 0 1\nnone /mnt/cephfs fuse.ceph ceph.id=x,_netdev 0 0\nbroken\n"
    assert mounts.fstab_entries(fstab) == {"/": (1, ["UUID=1", "/", "ext4", "defaults", "0", "1"]),
                                           "/mnt/cephfs": (2, ["none", "/mnt/cephfs", "fuse.ceph",
                                                               "ceph.id=x,_netdev", "0", "0"])}

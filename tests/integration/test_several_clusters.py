"""Two Ceph clusters in one cloud: the lab's (central) and a second lab on other ports (an edge site).

site.yml for the compute host and the cinder host, with a second Cinder backend on the edge
cluster (its own rbd_cluster_name, rbd_ceph_conf, rbd_secret_uuid and availability zone) and the
compute holding a second libvirt secret, for the edge cluster's client.cinder. qemu under libvirtd
then reads a disk from each cluster in one guest, each through its own secret. A backend whose
secret UUID the compute hosts of its zone do not hold fails before any config is written.
"""
import json
import os

from tests.integration.conftest import SITE_ARGS, TOP, V1_PORT, playbook, sh
from tests.integration.service_helpers import HOSTS, SECRET_UUID, admin
from tests.integration.test_services import domain_xml, virsh

LAB_EDGE = "/var/tmp/cephstack-edge-lab"
EDGE_V1_PORT = "6797"
EDGE_SECRET = "9d2c4e6a-1b3f-4a5d-8e7c-0f1a2b3c4d5e"


def edge(*args):
    return sh("ceph", "--conf", os.path.join(LAB_EDGE, "ceph.conf"), *args)


def edge_rbd(*args):
    return sh("rbd", "--conf", os.path.join(LAB_EDGE, "ceph.conf"), *args)


def test_a_compute_reads_volumes_of_two_clusters_through_two_secrets(site, libvirt_uri, tmp_path):
    lab_cmd = os.path.join(TOP, "lab", "ceph-lab")
    sh(lab_cmd, "stop", "--dir", LAB_EDGE, "--purge")
    started = sh(lab_cmd, "start", "--dir", LAB_EDGE, "--v2-port", "3397", "--v1-port", EDGE_V1_PORT)
    assert started.returncode == 0, started.stderr
    try:
        # the edge cluster's side: its volumes pool and client.cinder, made by its admin
        assert edge("osd", "pool", "create", "volumes", "8").returncode == 0
        assert edge_rbd("pool", "init", "volumes").returncode == 0
        made = edge("auth", "get-or-create", "client.cinder", "mon", "profile rbd", "osd", "profile rbd pool=volumes",
                    "--format", "json")
        edge_key = json.loads(made.stdout)[0]["key"]
        # the edge site's ceph.conf on the compute, where qemu (in the libvirt lab's namespace) reads it
        edge_conf = os.path.join(HOSTS, "lab-compute", "etc", "ceph", "edge.conf")
        fsid = json.loads(edge("fsid", "--format", "json").stdout)["fsid"]
        with open(edge_conf, "w") as f:
            f.write("[global]\nfsid = %s\nmon host = [v2:127.0.0.1:3397,v1:127.0.0.1:%s]\n" % (fsid, EDGE_V1_PORT))

        cinder_conf = tmp_path / "cinder.conf"
        cinder_conf.write_text("")
        nova_conf = tmp_path / "nova.conf"
        nova_conf.write_text("")
        extra = {
            "cephstack_availability_zone": "edge",
            "nova_compute_volume_clusters": [{"cluster": "edge", "secret_uuid": EDGE_SECRET,
                                              "conf": os.path.join(LAB_EDGE, "ceph.conf"),
                                              "client_keyring": os.path.join(LAB_EDGE, "ceph.client.admin.keyring")}],
            "cinder_config_file": str(cinder_conf),
            "nova_compute_config_file": str(nova_conf),
            "nova_compute_images_rbd_glance_store_name": "edge",
            "cinder_backends": [{"name": "ceph", "pool": "volumes", "backend_name": "ceph"},
                                {"name": "edge", "pool": "volumes", "backend_name": "edge", "cluster_name": "edge",
                                 "ceph_conf": edge_conf, "secret_uuid": EDGE_SECRET, "availability_zone": "edge"}]}
        limit = ("--limit", "lab-compute,lab-cinder")

        wrong = dict(extra, cinder_backends=[extra["cinder_backends"][0],
                                             dict(extra["cinder_backends"][1], secret_uuid="0a0a0a0a-1b1b-2c2c-3d3d-4e4e4e4e4e4e")])
        refused = playbook(*SITE_ARGS, *limit, "-e", json.dumps(wrong))
        assert refused.returncode != 0
        assert ("cinder backend edge: rbd_secret_uuid (0a0a0a0a-1b1b-2c2c-3d3d-4e4e4e4e4e4e) must be a libvirt secret "
                "of the compute hosts that attach its volumes (availability zone edge), but lab-compute holds only "
                "%s, %s" % tuple(sorted([SECRET_UUID, EDGE_SECRET]))) in " ".join(refused.stdout.split()), \
            refused.stdout[-3000:]
        assert cinder_conf.read_text() == ""

        check = playbook(*SITE_ARGS, *limit, "-e", json.dumps(extra), "--check", "--diff")
        assert check.returncode == 0, check.stdout[-4000:]
        assert cinder_conf.read_text() == "" and virsh(libvirt_uri, "secret-dumpxml", EDGE_SECRET).returncode != 0
        first = playbook(*SITE_ARGS, *limit, "-e", json.dumps(extra))
        assert first.returncode == 0, first.stdout[-4000:]
        again = playbook(*SITE_ARGS, *limit, "-e", json.dumps(extra))
        recap = [line for line in again.stdout.splitlines() if " changed=" in line]
        assert len(recap) == 2 and all(" changed=0 " in line for line in recap), again.stdout[-3000:]

        text = cinder_conf.read_text()
        section = text[text.index("[edge]"):]
        for line in ("rbd_cluster_name = edge", "rbd_ceph_conf = %s" % edge_conf,
                     "rbd_secret_uuid = %s" % EDGE_SECRET, "backend_availability_zone = edge"):
            assert line in section, text
        assert "enabled_backends = ceph,edge" in text
        nova = nova_conf.read_text()
        for line in ("images_rbd_glance_store_name = edge", "images_rbd_glance_copy_poll_interval = 15",
                     "images_rbd_glance_copy_timeout = 600"):
            assert line in nova, nova
        # names Nova knows (this machine's nova, Zed; the same options in 2025.1 and 2026.2)
        known = sh("/usr/bin/python3", "-c", "import nova.conf.libvirt as l; print(' '.join(o.name for o in l.libvirt_imagebackend_opts))")
        assert {"images_rbd_glance_store_name", "images_rbd_glance_copy_poll_interval",
                "images_rbd_glance_copy_timeout"} <= set(known.stdout.split()), known.stderr
        for uuid, usage in ((EDGE_SECRET, "edge.client.cinder secret"), (SECRET_UUID, "client.cinder secret")):
            assert "<name>%s</name>" % usage in virsh(libvirt_uri, "secret-dumpxml", uuid).stdout
        assert virsh(libvirt_uri, "secret-get-value", EDGE_SECRET).stdout.strip() == edge_key

        assert admin("rbd", "create", "volumes/two-central", "--size", "64M").returncode == 0
        assert edge_rbd("create", "volumes/two-edge", "--size", "64M").returncode == 0
        xml = tmp_path / "guest.xml"
        xml.write_text(domain_xml("two-clusters", [
            dict(uuid=SECRET_UUID, user="cinder", pool="volumes", image="two-central", port=V1_PORT,
                 conf=os.path.join(HOSTS, "lab-compute", "etc", "ceph", "ceph.conf")),
            dict(uuid=EDGE_SECRET, user="cinder", pool="volumes", image="two-edge", port=EDGE_V1_PORT, conf=edge_conf)]))
        started_guest = virsh(libvirt_uri, "create", str(xml), timeout=120)
        try:
            assert started_guest.returncode == 0, started_guest.stderr
            for status in (admin("rbd", "status", "volumes/two-central", "--format", "json"),
                           edge_rbd("status", "volumes/two-edge", "--format", "json")):
                assert len(json.loads(status.stdout)["watchers"]) == 1     # qemu, through that cluster's secret
        finally:
            virsh(libvirt_uri, "destroy", "two-clusters")
            admin("rbd", "rm", "volumes/two-central")
    finally:
        virsh(libvirt_uri, "secret-undefine", EDGE_SECRET)
        if os.path.exists(os.path.join(HOSTS, "lab-compute", "etc", "ceph", "edge.conf")):
            os.unlink(os.path.join(HOSTS, "lab-compute", "etc", "ceph", "edge.conf"))
        sh(lab_cmd, "stop", "--dir", LAB_EDGE, "--purge")

"""transport=cephadm against a release lab: the modules run on this machine, and every ceph
command in ``cephadm shell`` (Debian 12's cephadm) with the release's image, as on a host of a
cephadm-managed cluster without Ceph packages. The client files are what such an operator has:
``ceph config generate-minimal-conf`` and the admin keyring.

Targets: ceph_cluster_info, and ceph_auth_key_type (create, re-run, keyring, rotation, the
monitors' refusal of an aes key, import through stdin, absent); their checks read the cluster
through cephadm shell too.
"""
import os

import pytest

from tests.integration.conftest import CONTAINER, ENV, LAB, RELEASE, TOP, ceph_cli, playbook

pytestmark = [pytest.mark.release,
              pytest.mark.skipif(RELEASE != "tentacle", reason="one release is enough for the transport")]
IMAGE = "localhost/cephstack-ceph:%s" % RELEASE


@pytest.fixture(scope="module")
def minimal_conf():
    # cephadm shell bind-mounts these host paths, which a host that runs Ceph daemons has
    for path in ("/run/udev", "/run/systemd/journal"):
        os.makedirs(path, exist_ok=True)
    res = ceph_cli("config", "generate-minimal-conf")
    assert res.returncode == 0 and "mon_host" in res.stdout, res.stderr
    path = os.path.join(LAB, "minimal.conf")
    with open(path, "w") as f:
        f.write(res.stdout)
    return path


@pytest.mark.parametrize("target", ["ceph_cluster_info", "ceph_auth_key_type"])
def test_target_through_cephadm_shell(minimal_conf, target):
    assert CONTAINER
    keyring = os.path.join(LAB, "ceph.client.admin.keyring")
    shell = "cephadm --image %s shell --config %s --keyring %s -- ceph" % (IMAGE, minimal_conf, keyring)
    env = dict(ENV, CONTAINERS_CONF=os.path.join(TOP, "lab", "cephadm-containers.conf"))
    res = playbook("tests/integration/run_target.yml", "-e", "target=" + target, "-e", "lab_dir=" + LAB,
                   "-e", "lab_transport=cephadm", "-e", "lab_conf=" + minimal_conf, "-e", "lab_keyring=" + keyring,
                   "-e", "lab_cephadm_image=" + IMAGE, "-e", "ceph_cli='%s'" % shell,
                   "-e", "ansible_python_interpreter=/usr/bin/python3", env=env)
    assert res.returncode == 0, res.stdout[-5000:]
    assert "failed=0" in res.stdout

"""site.yml as AWX runs it: ansible-runner starts the collection's execution environment
(ee/execution-environment.yml, built by scripts/ee-image.sh: ansible-core 2.21 on Debian 13's
Python 3.13) as the controller's container, and the controller reaches the lab's hosts over SSH
with a machine credential, here the key of lab/sshd-lab. The admin keyring stays on the admin host;
nothing secret is in the image or in the job's artifacts.

It runs after test_release_site.py has converged the lab: a keyring removed from the Glance host
comes back in the first job, and the second job changes nothing. One release is enough: the EE is
the controller, and the modules run on the hosts as for every other site.yml run.
"""
import os
import shutil

import ansible_runner
import pytest

from tests.integration.conftest import KEY_RE, LAB, RELEASE, TOP, ceph_json, podman, sh
from tests.integration.test_release_site import HOSTS, site_args

SSH_PORT = 2022
GLANCE_KEYRING = os.path.join(LAB, "hosts", "lab-glance", "etc", "ceph", "ceph.client.glance.keyring")

pytestmark = [pytest.mark.release,
              pytest.mark.skipif(RELEASE != "reef", reason="one release is enough for the execution environment")]


@pytest.fixture(scope="module")
def ee_image():
    built = sh(os.path.join(TOP, "scripts", "ee-image.sh"))
    assert built.returncode == 0, built.stderr
    return built.stdout.strip()


@pytest.fixture(scope="module")
def machine_credential():
    """The private key that AWX would hold as a machine credential, for root on this machine."""
    sshd_lab = [os.path.join(TOP, "lab", "sshd-lab")]
    where = os.path.join(LAB, "sshd")
    started = sh(*sshd_lab, "start", "--dir", where, "--port", str(SSH_PORT))
    assert started.returncode == 0, started.stderr
    with open(os.path.join(where, "id_ed25519")) as f:
        yield f.read()
    sh(*sshd_lab, "stop", "--dir", where, "--purge")


def private_data_dir(tmp_path, args):
    """A project (site.yml with the repository's ansible.cfg), the inventory sources of site_args
    and its extra vars, laid out as ansible-runner reads them."""
    pdd = tmp_path / "runner"
    shutil.copytree(os.path.join(TOP, "playbooks"), pdd / "project", ignore=shutil.ignore_patterns("inventory"))
    shutil.copy(os.path.join(TOP, "ansible.cfg"), pdd / "project")
    (pdd / "inventory").mkdir()
    extravars = {}
    for flag, value in zip(args, args[1:]):
        if flag == "-i":
            shutil.copy(os.path.join(TOP, value), pdd / "inventory")
        elif flag == "-e":
            name, dummy, setting = value.partition("=")
            extravars[name] = setting
    # every lab host is this machine, reached over SSH as a real host would be
    extravars.update(ansible_connection="ssh", ansible_host="127.0.0.1", ansible_port=SSH_PORT, ansible_user="root")
    return pdd, extravars


def run_job(pdd, extravars, image, key):
    return ansible_runner.run(
        private_data_dir=str(pdd), playbook="site.yml", limit=HOSTS, extravars=extravars, ssh_key=key,
        process_isolation=True, process_isolation_executable="podman", container_image=image,
        # rootful podman here: the EE's user 1000 could not read the job's files, which AWX's
        # rootless podman maps to it; the host network reaches this machine's sshd
        container_options=["--user=0", "--network=host", "--runtime=runc",
                           "--ulimit=nofile=1024:1024", "--ulimit=nproc=4096:4096"],
        quiet=True)


def artifacts_text(job):
    parts = []
    for path, dummy, files in os.walk(job.config.artifact_dir):
        for name in files:
            with open(os.path.join(path, name), errors="replace") as f:
                parts.append(f.read())
    return "\n".join(parts)


def test_site_yml_through_ansible_runner_in_the_execution_environment(
        ee_image, machine_credential, tmp_path, compute_host):
    versions = podman("run", "--rm", "--runtime", "runc", "--ulimit", "nofile=1024:1024", "--ulimit",
                      "nproc=4096:4096", "--entrypoint", "ansible", ee_image, "--version")
    assert "core 2.21." in versions.stdout and "python version = 3.13" in versions.stdout, versions.stdout
    with open(GLANCE_KEYRING) as f:
        glance_keyring = f.read()
    mode = os.stat(GLANCE_KEYRING).st_mode & 0o777
    os.unlink(GLANCE_KEYRING)
    pdd, extravars = private_data_dir(tmp_path, site_args(tmp_path, compute_host))

    first = run_job(pdd, extravars, ee_image, machine_credential)
    assert first.rc == 0 and first.status == "successful", first.stdout.read()[-4000:]
    assert first.stats["changed"].get("lab-glance", 0) >= 1, first.stats
    with open(GLANCE_KEYRING) as f:
        assert f.read() == glance_keyring
    assert os.stat(GLANCE_KEYRING).st_mode & 0o777 == mode

    again = run_job(pdd, extravars, ee_image, machine_credential)
    assert again.rc == 0 and again.status == "successful", again.stdout.read()[-4000:]
    assert sorted(again.stats["ok"]) == sorted(HOSTS.split(",")), again.stats
    assert not any(again.stats["changed"].values()), again.stats

    # the controller in the EE reached the hosts through the lab's sshd, with the credential's key
    with open(os.path.join(LAB, "sshd", "sshd.log")) as f:
        assert f.read().count("Accepted publickey for root from 127.0.0.1") >= 2
    # no key in what the job leaves behind (stdout, events, the env it was given)
    keys = [e["key"] for e in ceph_json("auth", "ls")["auth_dump"]]
    for job in (first, again):
        text = artifacts_text(job)
        assert not KEY_RE.search(text) and not any(k in text for k in keys)

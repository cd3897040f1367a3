"""The molecule scenarios, run last by scripts/test.sh (they need the images and take minutes).

Each scenario goes step by step, as `molecule test` would, with two checks molecule has no step for:
site.yml --check on fresh instances changes no file under any instance's /etc
and nothing in the cluster, and the real converge then changes what check mode predicted (plus
only the steps check mode says it cannot preview: keyrings and secret values of users that the
monitors create in the real run).
"""
import hashlib
import json
import os
import re
import subprocess

import pytest
import yaml

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB = os.environ.get("CEPHSTACK_MOLECULE_LAB") or "/var/tmp/cephstack-molecule-lab"
ENV = dict(os.environ, CEPHSTACK_MOLECULE_LAB=LAB, ANSIBLE_NOCOLOR="1", PY_COLORS="0",
           ANSIBLE_COLLECTIONS_PATH=os.path.join(TOP, ".build", "collections"))
ENV.pop("ANSIBLE_CONFIG", None)     # molecule writes its own
# Tasks whose change check mode announces it cannot preview (the key does not exist yet).
# What check mode says it cannot preview on fresh instances: keyrings and the libvirt secret of users
# created in the same run, and cephfs_mount's steps on a file system that manila_cephfs creates then.
NOT_PREVIEWED = ("Write the keyrings of this host's services", "Set the libvirt secret qemu uses for RBD",
                 "Ensure the subvolumes", "Give each mount's user access to its subvolume only",
                 "Write each mount user's keyring (root only)",
                 "Mount each subvolume with ceph-fuse, persistently (fstab)")
TASK = re.compile(r"^TASK \[(.+?)\] \*+$")
CHANGED = re.compile(r"^changed: \[([^\]]+)\]")


def molecule(command, *args, scenario="default", timeout=1800):
    res = subprocess.run(["molecule", command, "--scenario-name", scenario] + list(args), cwd=TOP, env=ENV,
                         capture_output=True, text=True, timeout=timeout, check=False)
    return res


def ok(res):
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-4000:]
    return res.stdout


def changed_tasks(output):
    """{(task name without role prefix, host)} reported changed in a default-callback output."""
    found, task = set(), None
    for line in output.splitlines():
        m = TASK.match(line)
        if m:
            task = m.group(1).split(" : ", 1)[-1]
            continue
        m = CHANGED.match(line)
        if m and task:
            found.add((task, m.group(1)))
    return found


def instances(scenario):
    with open(os.path.join(TOP, "molecule", scenario, "molecule.yml")) as f:
        return [p["name"] for p in yaml.safe_load(f)["platforms"]]


def etc_digest(name):
    """Every file under the instance's /etc: path, mode, owner and content digest."""
    res = subprocess.run(["podman", "exec", name, "sh", "-c",
                          "find /etc -xdev \\( -type f -o -type l \\) -printf '%p %m %u %g\\n' | sort;"
                          "find /etc -xdev -type f -print0 | sort -z | xargs -0 cat | sha256sum"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stderr
    return hashlib.sha256(res.stdout.encode()).hexdigest()


def cluster_state():
    conf = os.path.join(LAB, "ceph.conf")
    out = []
    for args in (["auth", "ls"], ["osd", "pool", "ls", "detail"], ["fs", "ls"]):
        res = subprocess.run(["ceph", "--conf", conf, "--format", "json"] + args, capture_output=True, text=True,
                             timeout=60, check=False)
        assert res.returncode == 0, res.stderr
        out.append(json.loads(res.stdout))
    return out


@pytest.fixture(scope="module")
def images():
    res = subprocess.run([os.path.join(TOP, "scripts", "molecule-images.sh")], capture_output=True, text=True,
                         timeout=1800, check=False)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]


@pytest.fixture(scope="module")
def lab():
    """A fresh lab of the scenarios' own (prepare.yml would start it; the test starts it fresh)."""
    ceph_lab = os.path.join(TOP, "lab", "ceph-lab")
    subprocess.run([ceph_lab, "stop", "--dir", LAB, "--purge"], capture_output=True, check=False)
    subprocess.run([ceph_lab, "start", "--dir", LAB, "--v2-port", "3398", "--v1-port", "6798"],
                   capture_output=True, check=True)
    yield LAB
    subprocess.run([ceph_lab, "stop", "--dir", LAB, "--purge"], capture_output=True, check=False)


def test_default_scenario_check_converge_idempotence_verify(images, lab):
    try:
        ok(molecule("destroy"))
        ok(molecule("create"))
        ok(molecule("prepare"))
        names = instances("default")
        etc_before = {name: etc_digest(name) for name in names}
        cluster_before = cluster_state()

        # `molecule check` would destroy the instances after it: run converge's playbook with --check.
        predicted = changed_tasks(ok(molecule("converge", "--", "--check")))
        assert predicted, "check mode predicted no change on fresh instances"
        assert {name: etc_digest(name) for name in names} == etc_before, "check mode changed a file under /etc"
        assert cluster_state() == cluster_before, "check mode changed the cluster"

        done = changed_tasks(ok(molecule("converge")))
        assert predicted <= done, sorted(predicted - done)
        assert {task for task, host in done - predicted} <= set(NOT_PREVIEWED), sorted(done - predicted)

        ok(molecule("idempotence"))
        ok(molecule("verify"))
    finally:
        molecule("destroy")


@pytest.mark.parametrize("scenario", ["default", "ceph_clients", "nova_compute"])
def test_molecule_test(images, lab, scenario):
    """`molecule test` as a contributor runs it, each scenario with its own sequence (default's has
    molecule's check step; the roles are included as an operator would)."""
    ok(molecule("test", scenario=scenario))

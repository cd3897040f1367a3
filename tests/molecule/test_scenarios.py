"""The molecule scenarios, run by scripts/test.sh in its background stream (they need the images):
`molecule test` for each, as a contributor runs it.

`default`'s own sequence proves check mode too: side_effect.yml, right after the check step, finds
every file under each instance's /etc and the cluster's auth ls, osd pool ls detail and fs ls as
prepare.yml recorded them, and verify holds the check step's changed tasks against the converge's
(CEPHSTACK_REQUIRE_CHECK_STEP makes that test fail instead of skip when no check step ran).
"""
import os
import subprocess

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB = os.environ.get("CEPHSTACK_MOLECULE_LAB") or "/var/tmp/cephstack-molecule-lab"
ENV = dict(os.environ, CEPHSTACK_MOLECULE_LAB=LAB, ANSIBLE_NOCOLOR="1", PY_COLORS="0",
           ANSIBLE_COLLECTIONS_PATH=os.path.join(TOP, ".build", "collections"), CEPHSTACK_REQUIRE_CHECK_STEP="1")
ENV.pop("ANSIBLE_CONFIG", None)     # molecule writes its own


def molecule(command, *args, scenario="default", timeout=1800):
    res = subprocess.run(["molecule", command, "--scenario-name", scenario] + list(args), cwd=TOP, env=ENV,
                         capture_output=True, text=True, timeout=timeout, check=False)
    return res


def ok(res):
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-4000:]
    return res.stdout


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


@pytest.mark.parametrize("scenario", ["default", "ceph_clients", "nova_compute"])
def test_molecule_test(images, lab, scenario):
    """`molecule test` as a contributor runs it, each scenario with its own sequence (default's has
    the check step and side_effect.yml; the roles are included as an operator would)."""
    out = ok(molecule("test", scenario=scenario))
    if scenario == "default":
        assert "Check mode changed no file under /etc and nothing in the cluster" in out
        assert "test_check_step_predicted_what_converge_changed PASSED" in out, out[-3000:]

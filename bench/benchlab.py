"""What the benchmarks share: the checkout, the ansible environment, and a lab of their own
(ports 3392/6792), purged before and after."""
import contextlib
import os
import subprocess

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAB = "/var/tmp/cephstack-bench-lab"
ENV = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(TOP, ".build", "collections"),
           ANSIBLE_CONFIG=os.path.join(TOP, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
CEPH_LAB = os.path.join(TOP, "lab", "ceph-lab")


@contextlib.contextmanager
def bench_lab():
    subprocess.run([CEPH_LAB, "stop", "--dir", LAB, "--purge"], check=True, capture_output=True)
    subprocess.run([CEPH_LAB, "start", "--dir", LAB, "--v2-port", "3392", "--v1-port", "6792"], check=True,
                   capture_output=True)
    try:
        yield LAB
    finally:
        subprocess.run([CEPH_LAB, "stop", "--dir", LAB, "--purge"], check=True, capture_output=True)

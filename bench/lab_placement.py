"""Where the molecule scenarios' Ceph cluster should run, measured.

A: the project's lab on the host, instances on the host network (what the scenarios do).
B: the same lab inside a container of its own (--network none, only loopback), instances joined to
   it with --network=container:<lab>.

For each: the time until the lab answers, ten `ceph osd pool ls` calls from inside an instance,
and the tear-down. Not a test: figures for docs/molecule.md. Needs the images of
scripts/molecule-images.sh; builds bench/images/ceph-lab.Containerfile on top of them.

    .venv/bin/python bench/lab_placement.py
"""
import os
import statistics
import subprocess
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLIENT_IMAGE = "localhost/cephstack-ceph-client:bookworm"
LAB_IMAGE = "localhost/cephstack-bench-ceph-lab:bookworm"
PODMAN = ["podman", "run", "-d", "--runtime", "runc", "--init", "--ulimit", "nofile=1024:1024",
          "--ulimit", "nproc=4096:4096"]
HOST_LAB = "/var/tmp/cephstack-placement-lab"
PORTS = ["--v2-port", "3397", "--v1-port", "6797"]


def sh(*argv, **kw):
    return subprocess.run(list(argv), check=True, capture_output=True, text=True, **kw).stdout


def timed(fn):
    started = time.monotonic()
    fn()
    return time.monotonic() - started


def calls_from(instance, n=10):
    """Seconds per `ceph osd pool ls` run inside the instance (timed inside, without podman exec)."""
    script = ("for i in $(seq %d); do s=$(date +%%s%%N); ceph --connect-timeout 10 osd pool ls >/dev/null; "
              "e=$(date +%%s%%N); echo $(( (e - s) / 1000 )); done" % n)
    return [int(x) / 1e6 for x in sh("podman", "exec", instance, "sh", "-c", script).split()]


def client_files(instance, conf_text, keyring_text):
    sh("podman", "exec", "-i", instance, "sh", "-c", "cat > /etc/ceph/ceph.conf", input=conf_text)
    sh("podman", "exec", "-i", instance, "sh", "-c",
       "umask 077; cat > /etc/ceph/ceph.client.admin.keyring", input=keyring_text)


def host_placement():
    lab = os.path.join(TOP, "lab", "ceph-lab")
    subprocess.run([lab, "stop", "--dir", HOST_LAB, "--purge"], capture_output=True, check=False)
    ready = timed(lambda: sh(lab, "start", "--dir", HOST_LAB, *PORTS))
    sh(*PODMAN, "--name", "cephstack-placement-a", "--network", "host", CLIENT_IMAGE, "sleep", "infinity")
    try:
        client_files("cephstack-placement-a", open(HOST_LAB + "/ceph.conf").read(),
                     open(HOST_LAB + "/ceph.client.admin.keyring").read())
        calls = calls_from("cephstack-placement-a")
    finally:
        sh("podman", "rm", "-f", "-t", "0", "cephstack-placement-a")
    down = timed(lambda: sh(lab, "stop", "--dir", HOST_LAB, "--purge"))
    return ready, calls, down


def container_placement():
    def start():
        sh(*PODMAN, "--name", "cephstack-placement-lab", "--network", "none", "-v", TOP + ":/src:ro",
           LAB_IMAGE, "sleep", "infinity")
        sh("podman", "exec", "cephstack-placement-lab", "/src/lab/ceph-lab", "start", "--dir", "/var/lib/lab", *PORTS)
    subprocess.run(["podman", "rm", "-f", "-t", "0", "cephstack-placement-lab"], capture_output=True, check=False)
    ready = timed(start)
    try:
        sh(*PODMAN, "--name", "cephstack-placement-b", "--network", "container:cephstack-placement-lab",
           CLIENT_IMAGE, "sleep", "infinity")
        try:
            client_files("cephstack-placement-b",
                         sh("podman", "exec", "cephstack-placement-lab", "cat", "/var/lib/lab/ceph.conf"),
                         sh("podman", "exec", "cephstack-placement-lab", "cat", "/var/lib/lab/ceph.client.admin.keyring"))
            calls = calls_from("cephstack-placement-b")
        finally:
            sh("podman", "rm", "-f", "-t", "0", "cephstack-placement-b")
    finally:
        down = timed(lambda: sh("podman", "rm", "-f", "-t", "0", "cephstack-placement-lab"))
    return ready, calls, down


def main():
    built = timed(lambda: sh("podman", "build", "--runtime", "runc", "--network", "host", "-t", LAB_IMAGE, "-f",
                             os.path.join(TOP, "bench", "images", "ceph-lab.Containerfile"),
                             os.path.join(TOP, "bench", "images")))
    print("lab image (podman build, cached layers reused): %.1f s" % built)
    print("%-28s %10s %22s %10s" % ("placement", "ready", "ceph osd pool ls (med)", "tear-down"))
    for name, run in (("A: lab on the host", host_placement), ("B: lab in a container", container_placement)):
        ready, calls, down = run()
        print("%-28s %9.1fs %21.0fms %9.1fs" % (name, ready, statistics.median(calls) * 1000, down))


if __name__ == "__main__":
    main()

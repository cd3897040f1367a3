"""Whole site.yml runs on fresh clusters.

Secrets: site.yml with -vvv on a fresh cluster, first run and re-run, while a watcher samples every
process's argv. Counted: cephx keys and the libvirt secret value in the output, on any argv,
keyrings readable by others, temp files left behind, and processes left running detached.

Kills: on a second fresh cluster, ansible-playbook is killed with SIGKILL (its whole process group,
modules included) at five points of a first run. After each kill no keyring or config is truncated
and no temp file holds a key; then a re-run converges to exactly the files and cluster state of the
uninterrupted run above (lab paths, fsid, ports and keys normalised), and the next run changes nothing.
"""
import configparser
import json
import os
import re
import signal
import stat
import subprocess
import threading
import time

import pytest

from tests.integration.conftest import (ENV, KEY_RE, LAB, LIBVIRT_LAB, TOP, ceph_json, detached_pythons, playbook,
                                        run_marker, sh)

SECRET_UUID = "457eb676-33da-42ec-9a8c-9293d545c337"

LAB2 = "/var/tmp/cephstack-secrets-lab"
# libvirt allows one secret per usage name ("ceph client.cinder secret"): these labs set the shared
# libvirtd's secret to their key, and the fixture gives the test lab's key back at the end.
OTHER_SECRET = SECRET_UUID
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class ArgvWatcher(threading.Thread):
    """Samples /proc/*/cmdline every 20 ms and keeps every distinct argv seen."""

    def __init__(self):
        super().__init__(daemon=True)
        self.seen, self.samples, self.done = set(), 0, threading.Event()

    def run(self):
        while not self.done.is_set():
            for pid in os.listdir("/proc"):
                if pid.isdigit():
                    try:
                        with open("/proc/%s/cmdline" % pid, "rb") as f:
                            self.seen.add(f.read().replace(b"\0", b" ").decode("utf-8", "replace"))
                    except OSError:
                        pass
            self.samples += 1
            time.sleep(0.02)


@pytest.fixture(scope="module")
def secrets_run(libvirt_uri, ganeti_lab):
    lab_cmd = os.path.join(TOP, "lab", "ceph-lab")
    sh(lab_cmd, "stop", "--dir", LAB2, "--purge")
    started = sh(lab_cmd, "start", "--dir", LAB2, "--v2-port", "3394", "--v1-port", "6794")
    assert started.returncode == 0, started.stderr
    args = site_args(LAB2, ganeti_lab, OTHER_SECRET) + ("-vvv",)
    watcher = ArgvWatcher()
    marker = run_marker()
    before = set(os.listdir("/proc"))
    watcher.start()
    try:
        first = playbook(*args, env=dict(ENV, **marker))
        second = playbook(*args, env=dict(ENV, **marker))
        watcher.done.set()
        watcher.join()
        left = detached_pythons(before, marker)
        keys = [e["key"] for e in auth_dump(LAB2)]
        secret = sh("virsh", "-c", libvirt_uri, "secret-get-value", OTHER_SECRET).stdout.strip()
        files = walk(LAB2)
        reference = snapshot(LAB2, keys, OTHER_SECRET)
        yield dict(first=first, second=second, keys=keys, secret=secret, argv=watcher.seen,
                   samples=watcher.samples, files=files, reference=reference, left=left)
    finally:
        watcher.done.set()
        sh(lab_cmd, "stop", "--dir", LAB2, "--purge")
        give_back_the_test_labs_secret(libvirt_uri)


def give_back_the_test_labs_secret(libvirt_uri):
    got = sh("ceph", "--conf", os.path.join(LAB, "ceph.conf"), "auth", "get-key", "client.cinder", "--format", "json")
    if got.returncode != 0:
        return      # site.yml has not run on the test lab yet (these tests alone): nothing to give back
    key = json.loads(got.stdout)["key"]
    # On stdin, as the module passes it: never on argv, never in a file.
    res = sh("virsh", "-c", libvirt_uri, "secret-set-value", "--secret", SECRET_UUID, "--file", "/dev/stdin", input=key)
    assert res.returncode == 0, res.stderr


def site_args(lab, ganeti_lab, secret_uuid):
    return ("-i", "playbooks/inventory/lab.yml", "playbooks/site.yml", "-e", "cephstack_lab_dir=" + lab,
            "-e", "cephstack_libvirt_lab_dir=" + LIBVIRT_LAB, "-e", "cephstack_ganeti_lab_dir=" + ganeti_lab,
            "-e", "cephstack_libvirt_secret_uuid=" + secret_uuid)


def snapshot(lab, keys, secret_uuid):
    """The cluster objects and host files a run produced, with what differs between two fresh
    labs (directory, fsid, ports, keys, the libvirt secret UUID) normalised."""
    fsid = ceph_json("fsid", lab=lab)["fsid"]
    with open(os.path.join(lab, "ceph.conf")) as f:
        ports = re.findall(r"127\.0\.0\.1:(\d+)", f.read())

    def norm(text):
        for key in keys:
            text = text.replace(key, "<key>")
        text = text.replace(lab, "<lab>").replace(fsid, "<fsid>").replace(secret_uuid, "<secret-uuid>")
        for i, port in enumerate(ports):
            text = text.replace(":" + port, ":<port%d>" % i)
        return UUID_RE.sub("<uuid>", text)        # a subvolume's directory is a fresh UUID
    pools = {p["pool_name"]: (p["size"], p["min_size"], p["pg_num"], sorted(p["application_metadata"]),
                              p["quota_max_bytes"]) for p in ceph_json("osd", "pool", "ls", "detail", lab=lab)}
    users = {e["entity"]: {d: norm(c) for d, c in e["caps"].items()}
             for e in ceph_json("auth", "ls", lab=lab)["auth_dump"] if e["entity"].startswith("client.")}
    subvolumes = sorted(v["name"] for v in ceph_json("fs", "subvolume", "ls", "cephfs", lab=lab))
    files = {}
    for path, mode in walk(os.path.join(lab, "hosts")):
        st = os.stat(path)
        with open(path, errors="replace") as f:
            files[norm(path)] = (oct(mode), st.st_uid, st.st_gid, norm(f.read()))
    return dict(pools=pools, users=users, subvolumes=subvolumes, files=files)


def auth_dump(lab):
    return ceph_json("auth", "ls", lab=lab)["auth_dump"]


def walk(top):
    found = []
    for root, dirs, names in os.walk(top):
        dirs[:] = [d for d in dirs if not os.path.ismount(os.path.join(root, d))]
        for name in names:
            path = os.path.join(root, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                found.append((path, st.st_mode & 0o777))
    return found


def files_holding(keys, roots=("/tmp", os.path.expanduser("~/.ansible/tmp"))):
    """Files under the temp directories that contain one of the keys."""
    found = []
    for root in roots:
        for path, dummy in walk(root) if os.path.isdir(root) else []:
            try:
                with open(path, "rb") as f:
                    data = f.read(1 << 20)
            except OSError:
                continue
            if any(k.encode() in data for k in keys):
                found.append(path)
    return found


def test_both_runs_succeed_and_the_second_changes_nothing(secrets_run):
    assert secrets_run["first"].returncode == 0, secrets_run["first"].stdout[-3000:]
    assert secrets_run["second"].returncode == 0, secrets_run["second"].stdout[-3000:]
    recap = [l for l in secrets_run["second"].stdout.splitlines() if " changed=" in l]
    assert recap and all(" changed=0 " in l for l in recap), recap


def test_no_key_in_the_verbose_output(secrets_run):
    keys = secrets_run["keys"] + [secrets_run["secret"]]
    assert len(keys) >= 8 and secrets_run["secret"] in secrets_run["keys"]
    for run in ("first", "second"):
        text = secrets_run[run].stdout + secrets_run[run].stderr
        assert sum(text.count(k) for k in keys) == 0, run


def test_no_key_on_any_argv(secrets_run):
    assert secrets_run["samples"] > 100
    argv = "\n".join(secrets_run["argv"])
    assert "ansible-playbook" in argv and "virsh" in argv          # the watcher saw the run's processes
    keys = secrets_run["keys"] + [secrets_run["secret"]]
    assert [k for k in keys if k in argv] == []
    assert not KEY_RE.search(argv)


def test_no_process_outlives_its_task_with_the_default_settings(secrets_run):
    assert secrets_run["left"] == []


def test_no_keyring_readable_by_others_and_no_temp_file_left(secrets_run):
    keyrings = [(p, m) for p, m in secrets_run["files"] if p.endswith(".keyring") and "/hosts/" in p]
    assert len(keyrings) >= 8
    assert [p for p, m in keyrings if m & 0o007] == []
    temp = [p for p, m in secrets_run["files"] if os.path.basename(p).startswith(".")]
    assert temp == []
    assert files_holding(secrets_run["keys"]) == []


LAB3 = "/var/tmp/cephstack-kill-lab"
KILL_SECRET = SECRET_UUID
# Where a first run is killed: while pools are created, keyrings written, the libvirt secret set,
# the file system created (several mgr steps), and a ceph-fuse mount added to fstab.
KILL_POINTS = ["ceph_pools : Ensure the Ceph pools", "ceph_clients : Write the keyrings of this host's services",
               "nova_compute : Set the libvirt secret qemu uses for RBD", "manila_cephfs : Ensure the file system",
               "cephfs_mount : Mount each subvolume with ceph-fuse"]


def run_and_kill(args, marker, delay=0.3):
    """site.yml until the task ``marker`` starts, then SIGKILL to its whole process group."""
    proc = subprocess.Popen(["ansible-playbook"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, cwd=TOP, env=ENV, start_new_session=True)
    killed = False
    for line in proc.stdout:
        if line.startswith("TASK [") and marker in line:
            time.sleep(delay)
            os.killpg(proc.pid, signal.SIGKILL)
            killed = True
            break
    proc.stdout.close()
    proc.wait(timeout=60)
    return killed


def intact(lab, keys):
    """Every keyring and INI file under the hosts parses; no temp file anywhere holds a key."""
    problems = []
    for path, dummy in walk(os.path.join(lab, "hosts")):
        name = os.path.basename(path)
        if name.startswith(".cephstack-") or name.startswith(".") and ".keyring." in name:
            problems.append("temp file %s" % path)
        elif name.endswith(".keyring"):
            text = open(path).read()
            if not re.match(r"^\[client\.[^]]+\]\n\tkey = (%s)\n$" % KEY_RE.pattern, text):
                problems.append("truncated keyring %s: %r" % (path, text[:40]))
        elif name.endswith(".conf") and "/etc/" in path and "ganesha" not in path:
            try:
                configparser.RawConfigParser(strict=False).read(path)
            except configparser.Error as e:
                problems.append("config %s does not parse: %s" % (path, e))
    problems += ["key in %s" % path for path in files_holding(keys)]
    return problems


def test_killed_runs_leave_nothing_half_done_and_converge_to_the_uninterrupted_state(
        secrets_run, ganeti_lab, libvirt_uri):
    lab_cmd = os.path.join(TOP, "lab", "ceph-lab")
    sh(lab_cmd, "stop", "--dir", LAB3, "--purge")
    started = sh(lab_cmd, "start", "--dir", LAB3, "--v2-port", "3395", "--v1-port", "6795")
    assert started.returncode == 0, started.stderr
    args = site_args(LAB3, ganeti_lab, KILL_SECRET)
    try:
        for marker in KILL_POINTS:
            assert run_and_kill(args, marker), "the run never reached %r" % marker
            keys = [e["key"] for e in auth_dump(LAB3)]
            assert intact(LAB3, keys) == [], marker
        final = playbook(*args)
        assert final.returncode == 0, final.stdout[-3000:]
        keys = [e["key"] for e in auth_dump(LAB3)]
        state = snapshot(LAB3, keys, KILL_SECRET)
        reference = secrets_run["reference"]
        for part in ("pools", "users", "subvolumes"):
            assert state[part] == reference[part], part
        assert sorted(state["files"]) == sorted(reference["files"])
        for path, facts in reference["files"].items():
            assert state["files"][path] == facts, path
        again = playbook(*args)
        recap = [l for l in again.stdout.splitlines() if " changed=" in l]
        assert recap and all(" changed=0 " in l for l in recap), recap
        value = sh("virsh", "-c", libvirt_uri, "secret-get-value", KILL_SECRET).stdout.strip()
        assert value == ceph_json("auth", "get-key", "client.cinder", lab=LAB3)["key"]
    finally:
        sh(lab_cmd, "stop", "--dir", LAB3, "--purge")
        give_back_the_test_labs_secret(libvirt_uri)


def cluster_and_files(lab, libvirt_uri):
    """What check mode must leave byte for byte: the cluster's pools, users and subvolumes, every
    file under each host's /etc, and the libvirt secret's value."""
    raw = {}
    for name, args in (("pools", ("osd", "pool", "ls", "detail")), ("auth", ("auth", "ls")),
                       ("subvolumes", ("fs", "subvolume", "ls", "cephfs"))):
        raw[name] = sh("ceph", "--conf", os.path.join(lab, "ceph.conf"), *args, "--format", "json").stdout
    for path, mode in walk(os.path.join(lab, "hosts")):
        if "/etc/" in path:
            st = os.stat(path)
            with open(path, "rb") as f:
                raw[path] = (mode, st.st_uid, st.st_gid, f.read())
    raw["secret"] = sh("virsh", "-c", libvirt_uri, "secret-get-value", SECRET_UUID).stdout
    return raw


def changed_tasks(stdout):
    """{(task, host)} of every 'changed' line of the default callback."""
    found, task = set(), None
    for line in stdout.splitlines():
        if line.startswith("TASK ["):
            task = line[6:line.index("]")]
        elif line.startswith("changed: [") and task:
            found.add((task, line[10:line.index("]")]))
    return found


def diverge(lab):
    """Many differences from the inventory, none of which needs a key minted in the real run."""
    conf = os.path.join(lab, "ceph.conf")
    for args in (("osd", "pool", "set", "images", "size", "1", "--yes-i-really-mean-it"),
                 ("osd", "pool", "set-quota", "backups", "max_bytes", "1073741824"),
                 ("auth", "caps", "client.glance", "mon", "allow r", "osd", "allow r pool=images"),
                 ("auth", "caps", "client.manila", "mon", "allow r", "mgr", "allow r"),
                 ("fs", "subvolume", "resize", "cephfs", "lab-containers", "209715200")):
        res = sh("ceph", "--conf", conf, *args)
        assert res.returncode == 0, (args, res.stderr)
    hosts = os.path.join(lab, "hosts")
    os.unlink(os.path.join(hosts, "lab-cinder", "etc", "ceph", "ceph.client.cinder.keyring"))
    os.chmod(os.path.join(hosts, "lab-backup", "etc", "ceph", "ceph.client.cinder-backup.keyring"), 0o644)
    for host, rel, old, new in (
            ("lab-cinder", "cinder/cinder.conf", "rbd_pool = volumes", "rbd_pool = volumes-old"),
            ("lab-compute", "nova/nova.conf", "hw_disk_discard = unmap\n", ""),
            ("lab-glance", "ceph/ceph.conf", "mon host = ", "mon host = 192.0.2.1,"),
            ("lab-manila", "manila/manila.conf", "cephfs_protocol_helper_type = CEPHFS", "cephfs_protocol_helper_type = NFS"),
            ("lab-nfs", "ganesha/ganesha.conf", "Graceless = true", "Graceless = false")):
        path = os.path.join(hosts, host, "etc", rel)
        text = open(path).read()
        assert old in text, (path, old)
        with open(path, "w") as f:
            f.write(text.replace(old, new, 1))


def test_check_mode_is_byte_exact_then_predicts_the_real_run(secrets_run, ganeti_lab, libvirt_uri):
    """Runs last in this module: it changes the converged secrets lab."""
    lab_cmd = os.path.join(TOP, "lab", "ceph-lab")
    started = sh(lab_cmd, "start", "--dir", LAB2, "--v2-port", "3394", "--v1-port", "6794")
    assert started.returncode == 0, started.stderr
    args = site_args(LAB2, ganeti_lab, OTHER_SECRET) + ("--diff",)
    try:
        diverge(LAB2)
        sh("virsh", "-c", libvirt_uri, "secret-set-value", "--secret", SECRET_UUID, "--base64",
           "QVFCemtXWm5BQUFBQUJBQWphTTdwMUlhM3Z2WTlhTnJqNWJLblE9PQ==")
        before = cluster_and_files(LAB2, libvirt_uri)
        check = playbook(*args, "--check")
        assert check.returncode == 0, check.stdout[-3000:]
        after = cluster_and_files(LAB2, libvirt_uri)
        assert sorted(after) == sorted(before)
        assert [k for k in before if before[k] != after[k]] == []
        real = playbook(*args)
        assert real.returncode == 0, real.stdout[-3000:]
        predicted, done = changed_tasks(check.stdout), changed_tasks(real.stdout)
        assert len(done) >= 10, done
        assert predicted == done, (sorted(predicted - done), sorted(done - predicted))
        again = playbook(*site_args(LAB2, ganeti_lab, OTHER_SECRET))
        recap = [l for l in again.stdout.splitlines() if " changed=" in l]
        assert recap and all(" changed=0 " in l for l in recap), recap
    finally:
        sh(lab_cmd, "stop", "--dir", LAB2, "--purge")
        give_back_the_test_labs_secret(libvirt_uri)

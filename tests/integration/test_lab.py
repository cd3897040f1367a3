"""Integration tests against a real single-node Ceph started by lab/ceph-lab.

The lab runs on its own ports and directory, so it can run beside the main job's lab.
"""
import datetime
import json
import os
import re
import shlex
import time

import pytest

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_commands import COMMANDS, READS
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_runner import Connection
from tests.integration.conftest import (
    CONTAINER, ENV, INVENTORY, KEY_RE, LAB, LIBVIRT_LAB, RELEASE, SITE_ARGS, TARGET_HOST, TOP, V1_PORT, V2_PORT, all_keys, ceph_json,
    playbook, sh)
from tests.integration.test_whole_run import ArgvWatcher


def run_target(target, transport, *extra, **kw):
    """A target's tasks on the lab's host: this machine, or a release lab's container."""
    return playbook("-i", INVENTORY, "tests/integration/run_target.yml", "-e", "target=" + target,
                    "-e", "target_host=" + TARGET_HOST, "-e", "lab_dir=" + LAB, "-e", "lab_transport=" + transport,
                    *extra, **kw)


AUTH_TARGETS = ("ceph_auth", "ceph_auth_key_type")
WRITES_AT_LEAST = {"ceph_cluster_info": 0, "ceph_nfs_cluster": 2}
# ceph_fuse_mount's part of the CephFS target needs a FUSE device, which a release lab's container lacks
TARGET_EXTRA = {"cephfs_subvolume": ("-e", "lab_fuse=%s" % (CONTAINER is None))}


@pytest.mark.release
@pytest.mark.parametrize("transport", ["librados", "cli"])
@pytest.mark.parametrize("target", [
    "ceph_cluster_info", "ceph_pool", "ceph_auth", "ceph_auth_key_type", "cephfs_subvolume",
    pytest.param("ceph_nfs_cluster", marks=pytest.mark.skipif(
        RELEASE == "pacific", reason="Ceph 16.2's mgr lists NFS clusters only through an orchestrator"))])
def test_target(target, transport, workdir):
    """Each target in the order check, apply, re-run, absent. Keys stay out of sight meanwhile:
    with librados the run is -vvv and its output holds no key; with the CLI no key of either type
    is on any ceph/rados/rbd argv. The targets remove their users at the end, so besides every key
    that exists now, no text shaped like a key may appear (minted, rotated, imported keys too)."""
    if transport == "librados":
        res, tasks = run_beside_the_mon_log(target, workdir)
        seen = res.stdout + res.stderr
        assert [t for t in tasks if t["reported"] != t["ran"]] == []
        assert sum(len(t["ran"]) for t in tasks) >= WRITES_AT_LEAST.get(target, 3)
    else:
        res, seen = run_watching_argv(target, workdir)
        if target in AUTH_TARGETS:      # the watcher saw the writes
            assert "auth get-or-create" in seen and ("auth import" in seen or "auth rotate" in seen)
        if not CONTAINER:               # the shims' log holds each task's commands beside the argv
            tasks = reported_and_run(seen)
            assert [t for t in tasks if t["reported"] != t["ran"]] == []
            assert sum(len(t["ran"]) for t in tasks) >= WRITES_AT_LEAST.get(target, 3)
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-2000:]
    assert re.search(r"failed=0", res.stdout)
    for key in all_keys():
        assert key not in seen
    assert not KEY_RE.search(seen)


def commands_log_env(log):
    """ansible-playbook's environment with the commands_log callback (tests/integration/callback_plugins),
    which writes each task's start and its commands to ``log``."""
    return dict(ENV, CEPHSTACK_COMMANDS_LOG=log, ANSIBLE_CALLBACKS_ENABLED="commands_log",
                ANSIBLE_CALLBACK_PLUGINS=os.path.join(TOP, "tests", "integration", "callback_plugins"))


# A command as a monitor or a manager dispatched it, in its log: the time, and the text the client sent.
MON_DISPATCH = re.compile(r"^(\S+) .* log_channel\(audit\) log \[\w+\] : from='[^']*' entity='client\.admin' "
                          r"cmd=\[?(\{.*\})\]? ?: dispatch$")     # Tentacle's monitors: cmd={...} : dispatch


def dispatched_writes(log, offset):
    """The writes that a monitor or manager dispatched after ``offset`` in its log:
    (epoch time, "mon_command" or "mgr_command" and the JSON text)."""
    daemon = os.path.basename(log).split(".")[0]
    with open(log, "rb") as f:
        f.seek(offset)
        lines = f.read().decode("utf-8", "replace").splitlines()
    writes = []
    for line in lines:
        m = MON_DISPATCH.match(line)
        if m and json.loads(m.group(2))["prefix"] not in READS:
            at = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
            writes.append((at, "%s_command %s" % (daemon, m.group(2))))
    return writes


def run_beside_the_mon_log(target, workdir):
    """The target on librados, at -vvv, and per cephstack.cloud task: the mon and mgr commands it
    reported in ``commands`` (their JSON; check mode: none run) and the writes that the monitor and
    the manager dispatched while it ran, as their logs show them."""
    log = os.path.join(workdir, "commands.log")
    daemon_logs = [os.path.join(LAB, "log", name) for name in ("mon.a.log", "mgr.x.log")]
    offsets = [os.path.getsize(path) for path in daemon_logs]
    res = run_target(target, "librados", "-vvv", *TARGET_EXTRA.get(target, ()), env=commands_log_env(log))
    with open(log) as f:
        log_text = f.read()
    for dummy in range(20):     # the daemons' log threads write behind: up to 5 s for the last lines
        # by time; within one log, commands of the same millisecond keep the log's order
        writes = sorted((w for path, offset in zip(daemon_logs, offsets) for w in dispatched_writes(path, offset)),
                        key=lambda w: w[0])
        tasks = reported_and_sent(log_text, writes)
        if all(t["reported"] == t["ran"] for t in tasks):
            break
        time.sleep(0.25)
    return res, tasks


def reported_and_sent(log_text, writes):
    tasks = logged_tasks(log_text, ("mon_command", "mgr_command", "librbd"))
    for task, following in zip(tasks, tasks[1:] + [None]):
        end = following["start"] if following else float("inf")
        task["ran"] = [sent_by(text) for at, text in writes if task["start"] <= at < end]
    return [dict((k, v) for k, v in t.items() if k != "lines") for t in tasks if t["module"]]


def logged_tasks(log_text, kinds):
    """The tasks of a commands_log: name, start, module, the ``commands`` it reported whose first
    word is one of ``kinds`` (none in check mode) and the other lines logged while it ran."""
    tasks, current = [], None
    for line in log_text.splitlines():
        if line.startswith("#task "):
            current = dict(name=json.loads(line[6:]), start=None, reported=[], ran=[], module=None, lines=[])
            tasks.append(current)
        elif line.startswith("#at "):
            current["start"] = float(line[4:])
        elif line.startswith("#commands "):
            result = json.loads(line[10:])
            current["module"] = result["module"]
            if not result["check"]:
                current["reported"] += [c for c in result["commands"] if c.split()[0] in kinds]
        elif current is not None and line.strip():
            current["lines"].append(line)
    return tasks


def sent_by(line):
    """A dispatched command as ``commands`` names it: the module's own JSON (always with its output
    format), or the librbd call that sent it (rbd pool_init enables the rbd application itself)."""
    command = json.loads(line.partition(" ")[2])
    if "format" not in command and command["prefix"] == "osd pool application enable" and command["app"] == "rbd":
        return "librbd pool_init %s" % command["pool"]
    return line


def run_watching_argv(target, workdir):
    """The target on the CLI transport, and every argv its tools had. Here a shim first on PATH
    logs each ceph/rados/rbd argv; in a release lab's container (which a PATH set here does not
    reach) a watcher samples every process's argv on this machine, the container's included, and
    keeps those of this lab."""
    if CONTAINER:
        watcher = ArgvWatcher()
        watcher.start()
        try:
            res = run_target(target, "cli", *TARGET_EXTRA.get(target, ()))
        finally:
            watcher.done.set()
            watcher.join()
        # this lab's processes: the tools name its conf (other labs may run beside it)
        return res, "\n".join(a for a in watcher.seen if LAB + "/" in a)
    log = os.path.join(workdir, "argv.log")
    env = commands_log_env(log)     # each task's commands go to the same log
    shim_dir = os.path.join(workdir, "bin")
    os.mkdir(shim_dir)
    for tool in ("ceph", "rados", "rbd"):
        shim = os.path.join(shim_dir, tool)
        with open(shim, "w") as f:
            f.write('#!/bin/sh\nprintf "%s %%s\\n" "$*" >> %s\nexec /usr/bin/%s "$@"\n' % (tool, log, tool))
        os.chmod(shim, 0o755)
    res = run_target(target, "cli", "-e", json.dumps({"target_path": "%s:/usr/sbin:/usr/bin:/sbin:/bin" % shim_dir}),
                     *TARGET_EXTRA.get(target, ()),
                     env=env)
    with open(log) as f:
        return res, f.read()


# The tools' own connection options, which the CLI transport puts before every command.
CONNECTION_OPTIONS = set(option for tool in ("ceph", "rados", "rbd")
                         for option in Connection(conf="c", keyring="k").cli_args(tool)[::2])


def ceph_prefix(words):
    """The command of the table (the longest prefix) that a ceph argv's leading words spell; None
    for one outside the table (a target's own check, or a module's command that the table lacks,
    which then counts as a write that no report lists)."""
    for n in range(len(words), 0, -1):
        if " ".join(words[:n]) in COMMANDS:
            return " ".join(words[:n])
    return None


def command_line(argv_text):
    """A logged ceph/rados/rbd argv without its connection options and output format, as the
    words of a ``commands`` entry; None for a read."""
    words = argv_text.split()
    tool, rest = words[0], words[1:]
    while rest and rest[0] in CONNECTION_OPTIONS:
        rest = rest[2:]
    if rest[-2:] == ["-i", "-"]:
        rest = rest[:-2]
    if rest[-2:] == ["--format", "json"]:
        rest = rest[:-2]
    if tool == "rados" or (tool == "ceph" and ceph_prefix(rest) in READS):    # rados: object stat only
        return None
    return " ".join([tool] + rest)


def reported_and_run(log_text):
    """Per cephstack.cloud task of a logged run: the Ceph tool commands it reported in
    ``commands`` (check mode: none run) and the writes its tools ran, both as words."""
    tasks = [t for t in logged_tasks(log_text, ("ceph", "rbd")) if t["module"]]
    for task in tasks:
        task["reported"] = [" ".join(shlex.split(c)) for c in task["reported"]]
        task["ran"] = [w for w in map(command_line, task.pop("lines")) if w]
        del task["start"]
    return tasks


@pytest.mark.parametrize("log_text, expected", [
    ("#task \"a\"\nceph --cluster ceph --name client.admin --connect-timeout 7 --conf /l/ceph.conf osd pool ls "
     "--detail detail --format json\nceph --cluster ceph --name client.admin --connect-timeout 7 osd pool create "
     "--pool p --format json\nrados --cluster ceph --pool p stat rbd_info\n"
     "#commands {\"commands\": [\"ceph osd pool create --pool p\"], \"check\": false, \"failed\": false, "
     "\"module\": \"cephstack.cloud.ceph_pool\"}\n#task \"b\"\nceph --conf /l/ceph.conf osd pool ls\n",
     [dict(name="a", reported=["ceph osd pool create --pool p"], ran=["ceph osd pool create --pool p"],
           module="cephstack.cloud.ceph_pool")]),
    ("#task \"a\"\nceph --conf /c auth caps --entity client.x mon allow r --format json\n"
     "#commands {\"commands\": [], \"check\": false, \"failed\": false, \"module\": \"m\"}\n",
     [dict(name="a", reported=[], ran=["ceph auth caps --entity client.x mon allow r"], module="m")]),
])
def test_the_commands_log_reader(log_text, expected):
    assert reported_and_run(log_text) == expected


def test_the_mon_log_reader(tmp_path):
    mon_log = tmp_path / "mon.a.log"
    mon_log.write_text(
        "2026-01-01T00:00:00.100+0000 7f 0 log_channel(audit) log [INF] : from='client.? 127.0.0.1:0/1' "
        "entity='client.admin' cmd=[{\"prefix\": \"osd pool create\", \"pool\": \"p\", \"format\": \"json\"}]: dispatch\n"
        "2026-01-01T00:00:00.200+0000 7f 0 log_channel(audit) log [DBG] : from='client.? 127.0.0.1:0/1' "
        "entity='client.admin' cmd=[{\"prefix\": \"osd pool ls\", \"format\": \"json\"}]: dispatch\n"
        "2026-01-01T00:00:00.300+0000 7f 0 log_channel(audit) log [INF] : from='client.? 127.0.0.1:0/1' "
        "entity='client.admin' cmd=[{\"prefix\": \"osd pool application enable\",\"pool\": \"p\",\"app\": \"rbd\"}]: dispatch\n"
        "2026-01-01T00:00:05.000+0000 7f 0 log_channel(audit) log [INF] : from='client.? 127.0.0.1:0/2' "
        "entity='client.admin' cmd={\"prefix\": \"auth rm\", \"entity\": \"client.x\", \"format\": \"json\"} : dispatch\n")
    writes = dispatched_writes(str(mon_log), 0)
    assert len(writes) == 3          # the read left out; Pacific's and Reef's form, and Tentacle's
    assert [text for at, text in writes][0] == 'mon_command {"prefix": "osd pool create", "pool": "p", "format": "json"}'
    log_text = ("#task \"a\"\n#at 1767225600.0\n#commands {\"commands\": [\"mon_command {\\\"prefix\\\": \\\"osd pool create\\\", "
                "\\\"pool\\\": \\\"p\\\", \\\"format\\\": \\\"json\\\"}\", \"librbd pool_init p\", \"write keyring /k\"], "
                "\"check\": false, \"failed\": false, \"module\": \"m\"}\n#task \"b\"\n#at 1767225601.0\n")
    tasks = reported_and_sent(log_text, writes)
    assert tasks == [dict(name="a", start=1767225600.0, module="m",
                          reported=['mon_command {"prefix": "osd pool create", "pool": "p", "format": "json"}',
                                    "librbd pool_init p"],
                          ran=['mon_command {"prefix": "osd pool create", "pool": "p", "format": "json"}',
                               "librbd pool_init p"])]


@pytest.mark.parametrize("target", ["libvirt_secret", "ini_options", "ceph_keyring"])
def test_service_side_target(target, libvirt_uri):
    res = run_target(target, "auto", "-e", "libvirt_uri=" + libvirt_uri)
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-2000:]


def test_libvirt_secret_verbose_run_leaks_no_key(libvirt_uri):
    res = run_target("libvirt_secret", "auto", "-e", "libvirt_uri=" + libvirt_uri, "-vvv")
    assert res.returncode == 0, res.stdout[-3000:]
    assert not KEY_RE.search(res.stdout + res.stderr)


@pytest.mark.parametrize("transport", ["librados", "cli"])
def test_unreachable_cluster_fails_within_timeout(tmp_path, transport):
    conf = tmp_path / "wrong-port.conf"
    text = open(os.path.join(LAB, "ceph.conf")).read()
    conf.write_text(text.replace(":" + V2_PORT, ":3999").replace(":" + V1_PORT, ":6999"))
    play = tmp_path / "play.yml"
    play.write_text("""
- hosts: localhost
  connection: local
  gather_facts: false
  vars: {ansible_python_interpreter: /usr/bin/python3}
  tasks:
    - cephstack.cloud.ceph_pool: {name: images, conf: %s, connect_timeout: 5, transport: %s}
""" % (conf, transport))
    started = time.monotonic()
    res = playbook(str(play))
    elapsed = time.monotonic() - started
    assert res.returncode != 0
    assert elapsed <= 45, "took %.1fs" % elapsed
    assert re.search(r"timed out|cannot connect", res.stdout), res.stdout[-2000:]


def recap_changed(stdout):
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)", stdout, re.M)}


def test_site_converges_then_changes_nothing(site):
    assert sum(recap_changed(site.stdout).values()) > 0
    second = playbook(*SITE_ARGS, "-vvv")
    assert second.returncode == 0, second.stdout[-5000:]
    changed = recap_changed(second.stdout)
    assert changed and set(changed.values()) == {0}, changed
    for key in all_keys():
        assert key not in second.stdout and key not in second.stderr
    pools = {p["pool_name"]: p for p in ceph_json("osd", "pool", "ls", "detail")}
    for name in ("volumes", "images", "snapshots", "backups", "vms"):
        assert "rbd" in pools[name]["application_metadata"]
    users = {e["entity"]: e for e in ceph_json("auth", "ls")["auth_dump"]}
    assert users["client.glance"]["caps"]["osd"].startswith("profile rbd pool=images")
    expected = {
        "lab-glance": {"client.glance": "glance"},
        "lab-cinder": {"client.cinder": "cinder"},
        "lab-backup": {"client.cinder": "cinder", "client.cinder-backup": "cinder"},
        "lab-compute": {"client.cinder": "nova", "client.nova": "nova"},
    }
    import grp
    for host, keyrings in expected.items():
        etc = os.path.join(LAB, "hosts", host, "etc", "ceph")
        assert sorted(os.listdir(etc)) == sorted(["ceph.conf"] + ["ceph.%s.keyring" % u for u in keyrings])
        assert os.stat(etc).st_mode & 0o777 == 0o755
        conf = open(os.path.join(etc, "ceph.conf")).read()
        assert ceph_json("mon", "dump")["fsid"] in conf
        assert "keyring = %s/ceph.$name.keyring" % etc in conf
        assert ("client mount timeout = 15" in conf) == (host == "lab-compute")
        for user, group in keyrings.items():
            path = os.path.join(etc, "ceph.%s.keyring" % user)
            st = os.stat(path)
            assert oct(st.st_mode & 0o777) == "0o640"
            assert st.st_uid == 0 and grp.getgrgid(st.st_gid).gr_name == group
            assert open(path).read() == "[%s]\n\tkey = %s\n" % (user, users[user]["key"])


def test_client_keyring_really_authenticates(site):
    """The keyring and ceph.conf the role wrote let the service's user reach its pool."""
    etc = os.path.join(LAB, "hosts", "lab-glance", "etc", "ceph")
    res = sh("rbd", "--conf", os.path.join(etc, "ceph.conf"), "--id", "glance",
             "--keyring", os.path.join(etc, "ceph.client.glance.keyring"), "ls", "images")
    assert res.returncode == 0, res.stderr
    denied = sh("rados", "--conf", os.path.join(etc, "ceph.conf"), "--id", "glance",
                "--keyring", os.path.join(etc, "ceph.client.glance.keyring"), "-p", "backups",
                "put", "x", "/etc/hostname")
    assert denied.returncode != 0


FRESH_LAB = "/var/tmp/cephstack-fresh-lab"


def test_site_check_mode_previews_a_fresh_cloud(libvirt_uri, ganeti_lab):
    """On a cluster with none of the pools and users yet, site.yml --check completes, predicts a
    change on every host, says which keys it cannot know, and changes nothing."""
    lab_cmd = os.path.join(TOP, "lab", "ceph-lab")
    sh(lab_cmd, "stop", "--dir", FRESH_LAB, "--purge")
    started = sh(lab_cmd, "start", "--dir", FRESH_LAB, "--v2-port", "3393", "--v1-port", "6793")
    assert started.returncode == 0, started.stderr
    try:
        conf = os.path.join(FRESH_LAB, "ceph.conf")

        def cluster():
            pools = sh("ceph", "--conf", conf, "osd", "pool", "ls", "--format", "json").stdout
            users = sh("ceph", "--conf", conf, "auth", "ls", "--format", "json").stdout
            return pools, users

        secrets = sh("virsh", "-c", libvirt_uri, "secret-list").stdout
        before = cluster()
        res = playbook("-i", "playbooks/inventory/lab.yml", "playbooks/site.yml", "--check",
                       "-e", "cephstack_lab_dir=" + FRESH_LAB, "-e", "cephstack_libvirt_lab_dir=" + LIBVIRT_LAB,
                       "-e", "cephstack_ganeti_lab_dir=" + ganeti_lab)
        assert res.returncode == 0, res.stdout[-5000:]
        changed = recap_changed(res.stdout)
        assert sorted(changed) == ["lab-admin", "lab-backup", "lab-cinder", "lab-compute", "lab-containers",
                                   "lab-ganeti", "lab-glance", "lab-manila", "lab-nfs"]
        assert all(n > 0 for n in changed.values()), changed
        text = " ".join(res.stdout.split())
        assert "client.cinder does not exist yet: the monitors mint its key in the real run" in text
        assert cluster() == before
        assert not os.path.exists(os.path.join(FRESH_LAB, "hosts"))
        assert sh("virsh", "-c", libvirt_uri, "secret-list").stdout == secrets
    finally:
        sh(lab_cmd, "stop", "--dir", FRESH_LAB, "--purge")

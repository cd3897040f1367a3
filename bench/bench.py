"""Benchmark: the no-change re-run of 4 pools + 4 users, against 8 ansible.builtin.ping tasks, and
against 4 pings + 4 tasks of a second module as small as ping (what two distinct modules cost).

Plays: librados with the defaults (a connection per task), librados-keep with the kept-open
connection turned on (keep_connection_seconds: 30), and the ceph CLI.

Starts its own lab (ports 3392/6792), converges the pools and users once, then times
each playbook several times and prints the median wall time and the mon/rados calls
per module call. Not a test: it prints figures for docs/performance.md.

    .venv/bin/python bench/bench.py [--runs 5]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import time

from benchlab import ENV, LAB, TOP, bench_lab

POOLS = ["volumes", "images", "backups", "vms"]
USERS = {
    "client.glance": {"mon": "profile rbd", "osd": "profile rbd pool=images"},
    "client.cinder": {"mon": "profile rbd", "osd": "profile rbd pool=volumes, profile rbd pool=vms"},
    "client.cinder-backup": {"mon": "profile rbd", "osd": "profile rbd pool=backups"},
    "client.nova": {"mon": "profile rbd", "osd": "profile rbd pool=vms"},
}
HEADER = """- hosts: localhost
  connection: local
  gather_facts: false
  vars: {ansible_python_interpreter: /usr/bin/python3}
  tasks:
"""


def ceph_play(transport, keep=None):
    """The play; keep: keep_connection_seconds, or None for the module's default."""
    option = "" if keep is None else ", keep_connection_seconds: %d" % keep
    tasks = []
    for i, pool in enumerate(POOLS):
        tasks.append("    - cephstack.cloud.ceph_pool: {name: %s, pg_num: 8, size: 1, application: rbd, conf: %s/ceph.conf, "
                     "transport: %s%s}\n      register: p%d\n"
                     % (pool, LAB, transport, option, i))
    for i, (user, caps) in enumerate(USERS.items()):
        tasks.append("    - cephstack.cloud.ceph_auth: {name: %s, caps: %s, conf: %s/ceph.conf, transport: %s%s}\n"
                     "      register: u%d\n" % (user, json.dumps(caps), LAB, transport, option, i))
    tasks.append("    - ansible.builtin.debug:\n        msg: \"CALLS {{ [p0, p1, p2, p3, u0, u1, u2, u3] | "
                 "map(attribute='ceph_calls') | list | to_json }} CHANGED {{ [p0, p1, p2, p3, u0, u1, u2, u3] | "
                 "select('changed') | list | length }}\"\n")
    return HEADER + "".join(tasks)


def ping_play(second=None):
    """Same shape as ceph_play: 8 registered tasks and one debug task. With ``second``, the last
    four tasks run that module instead: the floor of a play of two distinct modules."""
    tasks = "".join("    - %s:\n      register: p%d\n" % (second if second and i >= 4 else "ansible.builtin.ping", i)
                    for i in range(8))
    return HEADER + tasks + ("    - ansible.builtin.debug:\n        msg: \"CHANGED {{ [p0, p1, p2, p3, p4, p5, p6, p7] | "
                             "select('changed') | list | length }}\"\n")


# With PYTHONUNBUFFERED set (this workplace sets it), the module's Python reads its pipelined
# payload one byte per read() (about 0.4 us a byte): left out unless --unbuffered, as on most hosts.
RUN_ENV = dict((k, v) for k, v in ENV.items() if k != "PYTHONUNBUFFERED")


# A module as small as ping, in a collection of its own: each distinct module costs ansible-core a
# payload build per run (its module_utils parsed again), which a play of 8 pings pays once.
PONG = """from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(data=dict(type="str", default="pong")), supports_check_mode=True)
    module.exit_json(ping=module.params["data"])


if __name__ == "__main__":
    main()
"""


def floor_collection(tmp):
    path = os.path.join(tmp, "collections", "ansible_collections", "benchfloor", "pong")
    os.makedirs(os.path.join(path, "plugins", "modules"))
    with open(os.path.join(path, "plugins", "modules", "pong.py"), "w") as f:
        f.write(PONG)
    RUN_ENV["ANSIBLE_COLLECTIONS_PATH"] = os.pathsep.join([ENV["ANSIBLE_COLLECTIONS_PATH"], os.path.join(tmp, "collections")])


def run(path):
    started = time.monotonic()
    res = subprocess.run(["ansible-playbook", path], capture_output=True, text=True, env=RUN_ENV, cwd=TOP, check=False)
    elapsed = time.monotonic() - started
    if res.returncode != 0:
        raise SystemExit(res.stdout[-3000:])
    return elapsed, res.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--unbuffered", action="store_true", help="keep PYTHONUNBUFFERED from the environment")
    opts = ap.parse_args()
    runs = opts.runs
    if opts.unbuffered:
        RUN_ENV.update(ENV)
    with bench_lab():
        with tempfile.TemporaryDirectory() as tmp:
            plays = {}
            floor_collection(tmp)
            for name, text in (("ping", ping_play()), ("ping+pong", ping_play("benchfloor.pong.pong")),
                               ("librados", ceph_play("librados")),
                               ("librados-keep", ceph_play("librados", keep=30)), ("cli", ceph_play("cli"))):
                plays[name] = os.path.join(tmp, name + ".yml")
                with open(plays[name], "w") as f:
                    f.write(text)
            run(plays["librados"])      # converge once
            names = ("ping", "ping+pong", "librados", "librados-keep", "cli")
            times, outs = dict((n, []) for n in names), {}
            for dummy in range(runs):       # interleaved, so a noisy minute hits every play alike
                for name in names:
                    t, outs[name] = run(plays[name])
                    times[name].append(t)
            rows = []
            for name in names:
                calls = re.search(r"CALLS (\[[^\]]*\]) CHANGED (\d+)", outs[name])
                rows.append((name, statistics.median(times[name]), min(times[name]), max(times[name]),
                             calls.group(1) if calls else "-", calls.group(2) if calls else "-"))
        ping = rows[0][1]
        print("8 tasks, %d runs each, median wall time of ansible-playbook (2 cores, PYTHONUNBUFFERED %s):"
              % (runs, RUN_ENV.get("PYTHONUNBUFFERED") or "unset"))
        print("%-13s %8s %8s %8s %7s  %-28s %s" % ("play", "median", "min", "max", "x ping", "calls per task", "changed"))
        for name, med, lo, hi, calls, changed in rows:
            print("%-13s %7.2fs %7.2fs %7.2fs %6.2fx  %-28s %s" % (name, med, lo, hi, med / ping, calls, changed))


if __name__ == "__main__":
    main()

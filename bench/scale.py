"""Benchmark: what one more compute host costs in a no-change site.yml, against the ping floor.

Starts its own Ceph lab (ports 3392/6792) and uses the machine's libvirt lab, writes the lab
inventory with 1, 8 and 24 compute hosts (plus the admin host; the other groups empty), converges
each once, then times no-change re-runs of site.yml. The floor is a play of as many
`ansible.builtin.ping` tasks on the same compute hosts as site.yml runs on one of them. The
marginal cost per host is the slope between the smallest and the largest host count.
Not a test: it prints the figures for docs/performance.md. Do not run it beside the test suite:
the libvirt lab (one per machine) holds a single client.cinder secret.

    .venv/bin/python bench/scale.py [--hosts 1 8 24] [--runs 2] [--profile]

--profile adds one more no-change run at the largest host count with bench/callback_plugins'
task_seconds callback, and prints each task's wall time.
"""
import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time

import yaml

from benchlab import ENV, LAB, TOP, bench_lab

LIBVIRT_LAB = "/var/tmp/cephstack-libvirt-lab"
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)", re.M)


def inventory(path, hosts, groups_throttle):
    with open(os.path.join(TOP, "playbooks", "inventory", "lab.yml")) as f:
        inv = yaml.safe_load(f)
    inv["all"]["vars"].update(cephstack_lab_dir=LAB, cephstack_libvirt_lab_dir=LIBVIRT_LAB,
                              ceph_clients_groups_throttle=groups_throttle)
    inv["all"]["children"] = {
        "ceph_admin": {"hosts": {"lab-admin": None}},
        "nova_compute": {"hosts": {"lab-compute-%d" % i: None for i in range(1, hosts + 1)}},
    }
    with open(path, "w") as f:
        yaml.safe_dump(inv, f)


def ping_play(path, tasks):
    play = [{"name": "Ping floor", "hosts": "nova_compute", "gather_facts": False,
             "tasks": [{"ansible.builtin.ping": None} for dummy in range(tasks)]}]
    with open(path, "w") as f:
        yaml.safe_dump(play, f)


def run(*args):
    started = time.monotonic()
    res = subprocess.run(["ansible-playbook"] + list(args), capture_output=True, text=True, env=ENV,
                         cwd=TOP, check=False)
    elapsed = time.monotonic() - started
    if res.returncode != 0:
        raise SystemExit(res.stdout[-4000:])
    recap = {m.group(1): dict(ok=int(m.group(2)), changed=int(m.group(3)), skipped=int(m.group(6)))
             for m in RECAP.finditer(res.stdout)}
    return elapsed, recap


def timed(runs, *args):
    times, recap = [], {}
    for dummy in range(runs):
        t, recap = run(*args)
        times.append(t)
    return statistics.median(times), recap


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, nargs="+", default=[1, 8, 24])
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--profile", action="store_true")
    opts = ap.parse_args()
    subprocess.run([os.path.join(TOP, "lab", "libvirt-lab"), "start", "--dir", LIBVIRT_LAB], check=True,
                   capture_output=True)
    rows = []
    with bench_lab():
        with tempfile.TemporaryDirectory() as tmp:
            for hosts in opts.hosts:
                inv, ping = os.path.join(tmp, "inv%d.yml" % hosts), os.path.join(tmp, "ping%d.yml" % hosts)
                # The lab's hosts share one /etc/group: create the groups one host at a time, then
                # time the runs as for real hosts, which each have their own (no throttle).
                inventory(inv, hosts, 1)
                site = ["-i", inv, "playbooks/site.yml"]
                run(*site)
                inventory(inv, hosts, 0)
                site_time, recap = timed(opts.runs, *site)
                changed = sum(r["changed"] for r in recap.values())
                last = recap["lab-compute-%d" % hosts]
                ping_play(ping, last["ok"])
                ping_time, dummy = timed(opts.runs, "-i", inv, ping)
                rows.append((hosts, last["ok"], last["skipped"], site_time, ping_time, changed))
            if opts.profile:
                env = dict(ENV, ANSIBLE_CALLBACK_PLUGINS=os.path.join(TOP, "bench", "callback_plugins"),
                           ANSIBLE_CALLBACKS_ENABLED="task_seconds")
                res = subprocess.run(["ansible-playbook"] + site, capture_output=True, text=True, env=env, cwd=TOP,
                                     check=False)
                print(res.stdout[res.stdout.find("TASK SECONDS"):])
    print("no-change site.yml with N compute hosts, median of %d runs (2 cores, forks from ansible.cfg)" % opts.runs)
    print("%6s %12s %8s %9s %9s %8s" % ("hosts", "tasks/host", "skipped", "site.yml", "ping", "changed"))
    for hosts, ok, skipped, site_time, ping_time, changed in rows:
        print("%6d %12d %8d %8.1fs %8.1fs %8d" % (hosts, ok, skipped, site_time, ping_time, changed))
    if len(rows) > 1:
        (h0, dummy, dummy, s0, p0, dummy), (h1, dummy, dummy, s1, p1, dummy) = rows[0], rows[-1]
        site_slope, ping_slope = (s1 - s0) / (h1 - h0), (p1 - p0) / (h1 - h0)
        print("marginal cost per compute host: site.yml %.2f s, ping floor %.2f s, ratio %.2f"
              % (site_slope, ping_slope, site_slope / ping_slope))


if __name__ == "__main__":
    main()

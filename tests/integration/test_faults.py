"""Faults the lab survives: a monitor that stops in the middle of a play, a manager that stops,
and a libvirtd that hangs. Each fails within its timeout with a message that names what is down, and a re-run
after recovery converges. (Bad input and read-only files: test_bad_input.py.)
"""
import json
import os
import signal
import subprocess
import tempfile
import time

import pytest

from tests.integration.conftest import ENV, LAB, LIBVIRT_LAB, TOP, V1_PORT, V2_PORT, ceph_json

CONF = os.path.join(LAB, "ceph.conf")
NOW = "(lookup('ansible.builtin.pipe', 'date +%s.%N') | float)"


def run_play(tasks, tmp):
    """One local play; returns (rc, stdout, the facts it saved)."""
    out_file = os.path.join(tmp, "facts.json")
    play = [dict(hosts="localhost", connection="local", gather_facts=False,
                 vars=dict(ansible_python_interpreter="/usr/bin/python3", ansible_pipelining=True),
                 tasks=tasks + [{"ansible.builtin.copy": {"content": "{{ saved | default({}) | to_json }}",
                                                          "dest": out_file}}])]
    path = os.path.join(tmp, "play.yml")
    with open(path, "w") as f:
        json.dump(play, f)
    res = subprocess.run(["ansible-playbook", path], capture_output=True, text=True, cwd=TOP, env=ENV,
                         check=False, timeout=600)
    saved = json.load(open(out_file)) if os.path.exists(out_file) else {}
    return res.returncode, res.stdout, saved


def save(name, value):
    return {"ansible.builtin.set_fact": {"saved": "{{ saved | default({}) | combine({'%s': %s}) }}" % (name, value)}}


def pool_task(size):
    return {"cephstack.cloud.ceph_pool": {"name": "it-fault", "size": size, "min_size": 1, "pg_num": 8,
                                          "application": "rbd", "conf": CONF, "connect_timeout": 5},
            "register": "pool", "ignore_errors": True}


def restart_lab():
    subprocess.run([os.path.join(TOP, "lab", "ceph-lab"), "start", "--dir", LAB, "--v2-port", V2_PORT,
                    "--v1-port", V1_PORT], check=True, capture_output=True)


def test_a_stopped_manager_is_named_while_the_monitors_answer():
    """A CephFS module whose mgr command times out says whether the monitors still list the
    manager (just stopped) or none is active (after mon_mgr_beacon_grace), on both transports."""
    from tests.integration.conftest import run_module
    mgr_pid = os.path.join(LAB, "pids", "mgr.x.pid")
    pid = int(open(mgr_pid).read())
    os.kill(pid, signal.SIGTERM)
    try:
        for dummy in range(100):
            if not os.path.exists("/proc/%d" % pid):
                break
            time.sleep(0.1)
        args = dict(fs="cephfs", name="it-nomgr", conf=CONF, connect_timeout=3, keep_connection_seconds=0)
        res = run_module("cephfs_subvolume_group", args, expect_failure=True)
        assert "the monitors answer and list ceph-mgr x as active, but it did not answer within 3 s" in res["msg"]
        for dummy in range(60):     # the monitors drop it after mon_mgr_beacon_grace (30 s)
            if not ceph_json("mgr", "stat")["available"]:
                break
            time.sleep(1)
        for transport in ("librados", "cli"):
            res = run_module("cephfs_subvolume_group", dict(args, transport=transport), expect_failure=True)
            assert "the monitors answer, but no ceph-mgr is active (mgr stat: available=false" in res["msg"], res
            assert res["rc"] == 110
    finally:
        restart_lab()


def test_mon_stops_between_two_tasks_then_a_rerun_converges(site):
    mon_pid = os.path.join(LAB, "pids", "mon.a.pid")
    script = "kill $(cat %s); while kill -0 $(cat %s) 2>/dev/null; do sleep 0.1; done" % (mon_pid, mon_pid)
    stop_mon = {"ansible.builtin.shell": script, "changed_when": False}
    with tempfile.TemporaryDirectory() as tmp:
        try:
            rc, out, saved = run_play([pool_task(1), save("first", "pool"), stop_mon,
                                       save("t0", NOW), pool_task(2), save("t1", NOW), save("second", "pool")], tmp)
        finally:
            restart_lab()
        assert saved["first"].get("failed") is not True, saved["first"]
        second = saved["second"]
        assert second["failed"] is True
        elapsed = saved["t1"] - saved["t0"]
        assert elapsed < 5 + 10, "the task took %.1f s with connect_timeout=5" % elapsed
        assert "cannot connect to Ceph cluster 'ceph' as client.admin (conf %s)" % CONF in second["msg"]
        assert "timed out" in second["msg"]

        # The mon is back: the interrupted change is made, then nothing is left to do.
        rc, out, saved = run_play([pool_task(2), save("again", "pool"), pool_task(2), save("third", "pool")], tmp)
        assert saved["again"]["changed"] is True and saved["again"].get("failed") is not True, saved["again"]
        assert saved["third"]["changed"] is False, saved["third"]
    pools = {p["pool_name"]: p for p in ceph_json("osd", "pool", "ls", "detail")}
    assert pools["it-fault"]["size"] == 2


@pytest.fixture
def hung_libvirtd(libvirt_uri):
    """The lab's libvirtd, stopped with SIGSTOP: its socket accepts, nothing answers."""
    pid = int(open(os.path.join(LIBVIRT_LAB, "libvirtd.pid")).read())
    os.kill(pid, signal.SIGSTOP)
    try:
        yield libvirt_uri
    finally:
        os.kill(pid, signal.SIGCONT)


def test_hung_libvirtd_fails_libvirt_secret_within_its_timeout(hung_libvirtd):
    secret = {"uuid": "5b5b5b5b-33da-42ec-9a8c-9293d545c337", "usage_name": "it hung", "timeout": 5,
              "value": "AQBzkWZnAAAAABAAjaM7p1Ia3vvY9aNrj5bKnQ==", "uri": hung_libvirtd}
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        rc, out, saved = run_play([{"cephstack.cloud.libvirt_secret": secret, "register": "s", "no_log": True,
                                    "ignore_errors": True},
                                   save("secret", "{'failed': s.failed, 'msg': s.msg | default('')}")], tmp)
        elapsed = time.monotonic() - started
    assert saved["secret"]["failed"] is True
    assert elapsed < 5 + 25, elapsed
    assert "virsh" in saved["secret"]["msg"] and "timed out after 5 s" in saved["secret"]["msg"], saved["secret"]


def test_hung_libvirtd_fails_nova_compute_within_its_timeout(hung_libvirtd):
    from tests.integration.conftest import SITE_ARGS, playbook
    started = time.monotonic()
    res = playbook(*SITE_ARGS, "--limit", "lab-compute", "-e", "nova_compute_libvirt_timeout=5")
    elapsed = time.monotonic() - started
    assert res.returncode != 0
    text = " ".join(res.stdout.split())
    assert "timed out after 5 s" in text, res.stdout[-3000:]
    assert elapsed < 60, elapsed

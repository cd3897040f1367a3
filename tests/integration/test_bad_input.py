"""Bad input is refused early, with a message that names the option and the valid values.

Every row of docs/bad-input.md's module table is a case here: all of them run against the test lab
in one playbook (one task each, errors ignored, results collected), then each case asserts that
its task failed, with its message and without a traceback. The role rows are tests of their own
(named in the table).
"""
import contextlib
import json
import os
import subprocess
import tempfile

import pytest

from tests.integration.conftest import ENV, LAB, SITE_ARGS, TOP, playbook, write_dead_cluster_conf

MISSING_DIR = "/nonexistent-cephstack-dir"
SECRET = "457eb676-33da-42ec-9a8c-9293d545c337"
KEY = "AQBzkWZnAAAAABAAjaM7p1Ia3vvY9aNrj5bKnQ=="
DEAD_CONF = "%s/dead-cluster.conf" % LAB

# id: (module, args, words the message must contain)
CASES = {
    "pool-name": ("ceph_pool", {"name": "vol/umes"}, ["name", "vol/umes"]),
    "pool-name-empty": ("ceph_pool", {"name": ""}, ["name"]),
    "pool-pg-num": ("ceph_pool", {"name": "it-bad", "pg_num": 0}, ["pg_num must be at least 1, got 0"]),
    "pool-pgp-over-pg": ("ceph_pool", {"name": "it-bad", "pg_num": 8, "pgp_num": 16},
                         ["pgp_num (16) must not exceed pg_num (8)"]),
    "pool-min-size": ("ceph_pool", {"name": "it-bad", "size": 2, "min_size": 3},
                      ["min_size (3) must not exceed size (2)"]),
    "pool-type": ("ceph_pool", {"name": "it-bad", "pool_type": "mirror"},
                  ["pool_type", "replicated", "erasure", "mirror"]),
    "pool-ec-overwrites": ("ceph_pool", {"name": "it-bad", "allow_ec_overwrites": True},
                           ["allow_ec_overwrites applies only to pool_type=erasure"]),
    "pool-rbd-init": ("ceph_pool", {"name": "it-bad", "application": "cephfs", "rbd_init": True},
                      ["rbd_init=true needs application=rbd", "cephfs"]),
    "pool-quota-size": ("ceph_pool", {"name": "it-bad", "quota_max_bytes": "10X"}, ["quota_max_bytes"]),
    "auth-entity": ("ceph_auth", {"name": "cinder", "caps": {"mon": "profile rbd"}}, ["name", "cinder"]),
    "auth-entity-type": ("ceph_auth", {"name": "foo.cinder", "caps": {"mon": "profile rbd"}}, ["foo.cinder"]),
    "auth-caps-syntax": ("ceph_auth", {"name": "client.it-bad", "caps": {"osd": "allow rwz pool=volumes"}},
                         ["caps=", "the monitors refused them", "rwz", "'allow <r|w|x|*...> [pool=<pool>]"]),
    "auth-caps-daemon": ("ceph_auth", {"name": "client.it-bad", "caps": {"mgx": "allow r"}},
                         ["caps", "mgx", "mon", "osd", "mgr", "mds"]),
    "auth-key-base64": ("ceph_auth", {"name": "client.it-bad", "caps": {"mon": "allow r"}, "key": "not a key"},
                        ["key"]),
    "auth-keyring-mode": ("ceph_auth", {"name": "client.it-bad", "caps": {"mon": "allow r"},
                                        "keyring": {"path": "%s/it-bad.keyring" % LAB, "mode": "999"}},
                          ["keyring.", "mode", "999"]),
    "keyring-key-length": ("ceph_keyring", {"name": "client.it-bad", "key": "QUFBQQ==", "path": "%s/k" % LAB},
                           ["key"]),
    "keyring-dir-missing": ("ceph_keyring", {"name": "client.it-bad", "key": KEY, "path": MISSING_DIR + "/k.keyring"},
                            ["directory %s does not exist" % MISSING_DIR]),
    "secret-uuid": ("libvirt_secret", {"uuid": "not-a-uuid", "usage_name": "it", "value": KEY},
                    ["uuid='not-a-uuid' is not a UUID"]),
    "secret-value": ("libvirt_secret", {"uuid": SECRET, "usage_name": "it", "value": "not base64!"},
                     ["value is not valid base64"]),
    "secret-uri": ("libvirt_secret", {"uuid": SECRET, "usage_name": "it", "value": KEY, "timeout": 5,
                                      "uri": "qemu:///system?socket=%s/no-libvirtd.sock" % LAB},
                   ["qemu:///system?socket=%s/no-libvirtd.sock" % LAB]),
    "subvolume-size": ("cephfs_subvolume", {"fs": "cephfs", "name": "it-bad", "size": "10Q"},
                       ["size", "10Q"]),
    "subvolume-fs": ("cephfs_subvolume", {"fs": "nofs", "name": "it-bad"},
                     ["fs=nofs: no such CephFS file system; existing: cephfs"]),
    "subvolume-name": ("cephfs_subvolume", {"fs": "cephfs", "name": "bad/name"}, ["name", "bad/name"]),
    "subvolume-snapshots": ("cephfs_subvolume", {"fs": "cephfs", "name": "it-snapped", "state": "absent"},
                            ["snapshot"]),
    "subvolume-mode": ("cephfs_subvolume", {"fs": "cephfs", "name": "it-bad", "mode": "999"}, ["mode", "999"]),
    "volume-name": ("cephfs_volume", {"name": "bad name"}, ["name", "bad name"]),
    "access-auth-id": ("cephfs_subvolume_access", {"fs": "cephfs", "subvolume": "it-snapped",
                                                   "auth_id": "client.alice"},
                       ["auth_id='client.alice': give the id without 'client.'"]),
    "access-subvolume": ("cephfs_subvolume_access", {"fs": "cephfs", "subvolume": "it-none", "auth_id": "alice"},
                         ["subvolume=it-none does not exist in fs=cephfs"]),
    "access-level": ("cephfs_subvolume_access", {"fs": "cephfs", "subvolume": "it-snapped", "auth_id": "alice",
                                                 "access_level": "rwx"}, ["access_level", "rw", "r", "rwx"]),
    "ini-options-shape": ("ini_options", {"path": "%s/it.conf" % LAB, "options": {"DEFAULT": "debug=true"}},
                          ["options.DEFAULT must be a dict of option to value"]),
    "ini-path-missing": ("ini_options", {"path": MISSING_DIR + "/x.conf", "create": False,
                                         "options": {"DEFAULT": {"a": 1}}},
                         ["path=%s/x.conf does not exist and create=false" % MISSING_DIR]),
    "ini-dialect": ("ini_options", {"path": "%s/it.conf" % LAB, "dialect": "toml", "options": {}},
                    ["dialect", "oslo", "ceph", "toml"]),
    "fuse-root": ("ceph_fuse_mount", {"path": LAB, "root": "relative/dir", "client_id": "alice"},
                  ["root='relative/dir' must be an absolute CephFS path"]),
    "glance-timeout": ("glance_image", {"name": "it", "file": "%s/ceph.conf" % LAB, "timeout": 0,
                                        "glance_url": "http://127.0.0.1:1"},
                       ["timeout must be at least 1 second, got 0"]),
    "conn-transport": ("ceph_cluster_info", {"transport": "ssh"}, ["transport", "librados", "cli", "ssh"]),
    "conn-conf-missing": ("ceph_cluster_info", {"conf": MISSING_DIR + "/ceph.conf"},
                          ["conf=%s/ceph.conf does not exist (cluster 'ceph')" % MISSING_DIR]),
    "conn-keyring-missing": ("ceph_cluster_info", {"client_keyring": MISSING_DIR + "/admin.keyring"},
                             ["client_keyring=%s/admin.keyring does not exist" % MISSING_DIR, "client.admin"]),
    "conn-timeout": ("ceph_cluster_info", {"connect_timeout": 0}, ["connect_timeout must be at least 1 second, got 0"]),
    "conn-keep": ("ceph_cluster_info", {"keep_connection_seconds": -1},
                  ["keep_connection_seconds must be 0 (a connection per task) or more, got -1"]),
    "conn-unreachable": ("ceph_cluster_info", {"conf": DEAD_CONF, "connect_timeout": 3},
                         ["cannot connect to Ceph cluster 'ceph'", DEAD_CONF, "timed out"]),
    "conn-unreachable-cli": ("ceph_cluster_info", {"conf": DEAD_CONF, "connect_timeout": 3, "transport": "cli"},
                             ["cannot connect to Ceph cluster 'ceph'", DEAD_CONF, "within 3 s"]),
    "readonly-dir": ("ini_options", {"path": "%s/readonly/it.conf" % LAB, "options": {"DEFAULT": {"a": 1}}},
                     ["%s/readonly/it.conf: cannot write it (Read-only file system" % LAB]),
}

# Cases that need the cluster's own answer (not only argument checks) get a connection.
NEEDS_CLUSTER = {"ceph_pool", "ceph_auth", "cephfs_subvolume", "cephfs_volume",
                 "cephfs_subvolume_access"}


def lab_args(module, args):
    if module in NEEDS_CLUSTER or module == "ceph_cluster_info":
        args = dict({"conf": os.path.join(LAB, "ceph.conf")}, **args)
    return args


def play_for(cases, out_file):
    """One play: a subvolume with a snapshot first (for the refused removal), then every case with
    its result collected into one JSON file."""
    tasks = [{"cephstack.cloud.cephfs_subvolume": {"fs": "cephfs", "name": "it-snapped", "snapshots": ["s1"],
                                                   "conf": os.path.join(LAB, "ceph.conf")}}]
    for case, (module, args, dummy) in cases.items():
        tasks.append({"name": case, "cephstack.cloud." + module: lab_args(module, args), "register": "r",
                      "ignore_errors": True})
        tasks.append({"ansible.builtin.set_fact": {
            "results": "{{ results | default({}) | combine({'%s': r}) }}" % case}})
    tasks.append({"ansible.builtin.copy": {"content": "{{ results | to_json }}", "dest": out_file}})
    return [dict(hosts="localhost", connection="local", gather_facts=False,
                 vars=dict(ansible_python_interpreter="/usr/bin/python3", ansible_pipelining=True), tasks=tasks)]


@contextlib.contextmanager
def read_only_dir(path):
    """A directory the operator made read-only (a read-only bind mount: root ignores mode bits)."""
    os.makedirs(path, exist_ok=True)
    subprocess.run(["mount", "--bind", path, path], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", path], check=True)
        yield path
    finally:
        subprocess.run(["umount", path], check=True)


@pytest.fixture(scope="module")
def results(site):
    write_dead_cluster_conf(DEAD_CONF)
    with tempfile.TemporaryDirectory() as tmp, read_only_dir(os.path.join(LAB, "readonly")):
        out_file = os.path.join(tmp, "results.json")
        with open(os.path.join(tmp, "play.yml"), "w") as f:
            json.dump(play_for(CASES, out_file), f)
        res = subprocess.run(["ansible-playbook", os.path.join(tmp, "play.yml")], capture_output=True, text=True,
                             cwd=TOP, env=ENV, check=False, timeout=600)
        assert os.path.exists(out_file), res.stdout[-4000:]
        with open(out_file) as f:
            return json.load(f)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_refused_with_a_clear_message(results, case):
    module, args, words = CASES[case]
    result = results[case]
    assert result.get("failed") is True, result
    msg = result["msg"]
    assert "Traceback" not in msg + str(result.get("exception", "")), result
    for word in words:
        assert word in msg, (case, msg)
    assert not result.get("changed"), result


# id: (host, extra vars, words the failure must show); each is site.yml limited to that host.
ROLE_CASES = {
    "role-unknown-suboption": ("lab-cinder", {"cinder_backends": [{"name": "ceph", "pol": "volumes"}]},
                               ["cinder_backends.pol. Supported parameters include:", "pool"]),
    "role-choice": ("lab-glance", {"glance_store_mode": "single"},
                    ["value of glance_store_mode must be one of: multistore, legacy, got: single"]),
    "role-pool-name": ("lab-admin", {"ceph_pools_pools": [{"name": "vol/umes"}]},
                       ["name='vol/umes' is not a valid pool name"]),
    "role-secret-uuid": ("lab-compute", {"nova_compute_libvirt_secret_uuid": "not-a-uuid"},
                         ["nova_compute_libvirt_secret_uuid must be a UUID (got 'not-a-uuid'"]),
    "role-port": ("lab-nfs", {"nfs_ganesha_cephfs_port": 99999},
                  ["nfs_ganesha_cephfs_port must be a TCP port (got 99999)"]),
    "role-mount-path": ("lab-containers", {"cephfs_mount_mounts": [{"name": "x", "path": "relative", "auth_id": "a"}]},
                        ["cephfs_mount_mounts: each item needs name (the subvolume), path (an absolute mount point)"]),
}


@pytest.mark.parametrize("case", sorted(ROLE_CASES))
def test_bad_role_input_fails_before_anything_changes(site, case):
    host, extra, words = ROLE_CASES[case]
    res = playbook(*SITE_ARGS, "--limit", host, "-e", json.dumps(extra))
    assert res.returncode != 0
    text = " ".join(res.stdout.split())
    for word in words:
        assert word in text, (case, res.stdout[-3000:])
    assert "Traceback" not in res.stdout
    assert " changed=0 " in res.stdout, res.stdout[-2000:]

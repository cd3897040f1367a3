"""Bad input is refused early, with a message that names the option and the valid values.

Every row of docs/bad-input.md's module table is a case here: all of them run against the test lab
in one playbook (one task each, errors ignored, results collected), then each case asserts that
its task failed, with its message and without a traceback. The role rows are tests of their own
(named in the table).
"""
import contextlib
import json
import os
import re
import subprocess
import tempfile

import pytest

from tests.integration.conftest import (
    CONTAINER, ENV, INVENTORY, LAB, PYTHON, SITE_ARGS, TARGET_HOST, TOP, playbook, run_module,
    write_dead_cluster_conf)

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
    "auth-key-type-mismatch": ("ceph_auth", {"name": "client.it-bad", "key": KEY, "key_type": "aes256k"},
                               ["key is an aes key, but key_type=aes256k"]),
    "auth-key-type-choice": ("ceph_auth", {"name": "client.it-bad", "key_type": "des"},
                             ["key_type", "aes", "aes256k", "des"]),
    "auth-keyring-mode": ("ceph_auth", {"name": "client.it-bad", "caps": {"mon": "allow r"},
                                        "keyring": {"path": "%s/it-bad.keyring" % LAB, "mode": "999"}},
                          ["keyring.", "mode", "999"]),
    "keyring-key-length": ("ceph_keyring", {"name": "client.it-bad", "key": "QUFBQQ==", "path": "%s/k" % LAB},
                           ["key"]),
    "keyring-key-type": ("ceph_keyring", {"name": "client.it-bad", "path": "%s/k" % LAB,
                                          "key": "AwBzkWZnAAAAACAAjaM7p1Ia3vvY9aNrj5bKnSMajaM7p1Ia3vvY9aNrj5bKnQ=="},
                         ["key is not a cephx key: type 3, where 1 is aes and 2 is aes256k"]),
    "secret-key-length": ("libvirt_secret", {"uuid": SECRET, "usage_name": "it", "value": "QUFBQQ=="},
                          ["value decodes to 4 bytes; a cephx key decodes to 28 (aes) or 44 (aes256k)"]),
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
    "access-key-base64": ("ceph_client_access_info", {"client_name": "client.it-bad", "key": "not a key"},
                          ["key is not valid base64 (a cephx key looks like AQ...== (aes, 40 characters)"]),
    "access-key-kept": ("ceph_client_access_info", {"client_name": "client.it-bad", "key": KEY,
                                                    "keep_connection_seconds": 30},
                        ["keep_connection_seconds=30 cannot be used with key", "use 0"]),
    "access-mon-host": ("ceph_client_access_info", {"mon_host": " "},
                        ["mon_host is empty; give the monitors in mon host form"]),
    "access-pools": ("ceph_client_access_info", {"pools": ["vol/umes"]}, ["pools='vol/umes' is not a valid pool name"]),
    "readonly-dir": ("ini_options", {"path": "%s/readonly/it.conf" % LAB, "options": {"DEFAULT": {"a": 1}}},
                     ["%s/readonly/it.conf: cannot write it (Read-only file system" % LAB]),
}

# Cases of the host's own services (libvirtd, glance-api, ceph-fuse, a read-only bind mount): not
# part of a release lab's run, whose modules run in its container.
HOST_ONLY = {"libvirt_secret", "glance_image", "ceph_fuse_mount"}
RELEASE_CASES = dict((case, row) for case, row in CASES.items()
                     if row[0] not in HOST_ONLY and case != "readonly-dir") if CONTAINER else CASES

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
    tasks.append({"ansible.builtin.copy": {"content": "{{ results | to_json }}", "dest": out_file},
                  "delegate_to": "localhost", "vars": {"ansible_python_interpreter": "/usr/bin/python3"}})
    return [dict(hosts=TARGET_HOST, gather_facts=False,
                 vars=dict(ansible_python_interpreter=PYTHON, ansible_pipelining=True), tasks=tasks)]


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
def cephfs_ready(request):
    """The file system the CephFS cases name: site.yml's on the test lab, made here on a release lab."""
    if CONTAINER is None:
        return request.getfixturevalue("site")
    return run_module("cephfs_volume", {"name": "cephfs", "conf": os.path.join(LAB, "ceph.conf")})


@pytest.fixture(scope="module")
def results(cephfs_ready):
    write_dead_cluster_conf(DEAD_CONF)
    readonly = contextlib.nullcontext() if CONTAINER else read_only_dir(os.path.join(LAB, "readonly"))
    with readonly, tempfile.TemporaryDirectory() as tmp:
        out_file = os.path.join(tmp, "results.json")
        with open(os.path.join(tmp, "play.yml"), "w") as f:
            json.dump(play_for(RELEASE_CASES, out_file), f)
        res = subprocess.run(["ansible-playbook", "-i", INVENTORY, os.path.join(tmp, "play.yml")],
                             capture_output=True, text=True, cwd=TOP, env=ENV, check=False, timeout=600)
        assert os.path.exists(out_file), res.stdout[-4000:]
        with open(out_file) as f:
            return json.load(f)


@pytest.mark.release
@pytest.mark.parametrize("case", sorted(RELEASE_CASES))
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
    "role-openstack-release": ("lab-glance", {"cephstack_openstack_release": "2025.3"},
                               ["release: '2025.3' is not an OpenStack release: give a release number from 2020.1 "
                                "to 2026.2, or its series name (ussuri,", "hibiscus), or auto"]),
    "role-release-option": ("lab-glance", {"cephstack_openstack_release": "2026.2", "glance_show_multiple_locations": True},
                            ["glance_show_multiple_locations must be false on 2026.2 (2025.2 and later)"]),
    "role-release-user": ("lab-cinder", {"cinder_glance_service_user": {"auth_url": "http://127.0.0.1:5000/v3",
                                                                        "username": "cinder", "password": "not-shown"}},
                          ["cinder_glance_service_user is only for 2025.2 and later (this host runs 2022.2)"]),
}


@pytest.mark.parametrize("case", sorted(ROLE_CASES))
def test_bad_role_input_fails_before_anything_changes(site, case):
    host, extra, words = ROLE_CASES[case]
    res = playbook(*SITE_ARGS, "--limit", host, "-e", json.dumps(extra))
    assert res.returncode != 0
    text = " ".join(res.stdout.split())
    for word in words:
        assert word in text, (case, res.stdout[-3000:])
    assert "Traceback" not in res.stdout and "not-shown" not in res.stdout
    assert " changed=0 " in res.stdout, res.stdout[-2000:]


# Pool, user and entity names that the roles put into configs and caps. Each role here on its lab
# host, with every bad name it takes, all in one playbook: a play per case, the role in a block
# whose rescue records the failure and lets the next play run.
# id: (host, role, extra vars, words its failure must show)
NAME_CASES = {
    "pools-names": ("lab-admin", "ceph_pools", {"ceph_pools_pools": [{"name": "images"}, {"name": "vol/umes"}]},
                    ["ceph_pools: ceph_pools_pools[].name='vol/umes' is not a valid pool name"]),
    "clients-names": ("lab-cinder", "ceph_clients",
                      {"ceph_clients_users": [{"name": "cinder", "caps": {"mon": "profile rbd"}}]},
                      ["ceph_clients: ceph_clients_users[].name='cinder' is not a cephx entity",
                       "(e.g. client.glance)"]),
    "glance-store-names": ("lab-glance", "glance",
                           {"glance_rbd_stores": [{"name": "ceph", "pool": "im/ages", "user": "client.glance"}]},
                           ["glance: glance_rbd_stores[].pool='im/ages' is not a valid pool name",
                            "glance_rbd_stores[].user='client.glance' is not a cephx id"]),
    "cinder-backend-names": ("lab-cinder", "cinder",
                             {"cinder_backends": [{"name": "ceph", "pool": "vol umes", "user": "ci nder"}],
                              "cinder_rbd_user": "client.cinder"},
                             ["cinder: cinder_backends[].pool='vol umes' is not a valid pool name",
                              "cinder_rbd_user='client.cinder' is not a cephx id",
                              "cinder_backends[].user='ci nder' is not a cephx id"]),
    "cinder-backup-names": ("lab-backup", "cinder_backup",
                            {"cinder_backup_ceph_pool": "back/ups", "cinder_backup_ceph_user": "-backup"},
                            ["cinder_backup: cinder_backup_ceph_pool='back/ups' is not a valid pool name",
                             "cinder_backup_ceph_user='-backup' is not a cephx id"]),
    "nova-names": ("lab-compute", "nova_compute",
                   {"nova_compute_images_rbd_pool": ".vms", "nova_compute_rbd_user": "client.cinder"},
                   ["nova_compute: nova_compute_images_rbd_pool='.vms' is not a valid pool name",
                    "nova_compute_rbd_user='client.cinder' is not a cephx id"]),
    "ganeti-names": ("lab-ganeti", "ganeti_rbd",
                     {"ganeti_rbd_pool": "gan eti", "ganeti_rbd_user": "gan/eti",
                      "ganeti_rbd_node_groups": [{"name": "g1", "rbd_pool": "-g1"}]},
                     ["ganeti_rbd: ganeti_rbd_pool='gan eti' is not a valid pool name",
                      "ganeti_rbd_node_groups[].rbd_pool='-g1' is not a valid pool name",
                      "ganeti_rbd_user='gan/eti' is not a cephx id"]),
    "manila-auth-id": ("lab-manila", "manila_cephfs", {"manila_cephfs_auth_id": "client.manila"},
                       ["manila_cephfs: manila_cephfs_auth_id='client.manila' is not a cephx id"]),
    "mount-auth-id": ("lab-containers", "cephfs_mount",
                      {"cephfs_mount_mounts": [{"name": "x", "path": "/mnt/x", "auth_id": "a b"}]},
                      ["cephfs_mount: cephfs_mount_mounts[].auth_id='a b' is not a cephx id"]),
}
NAME_CHECKS = ("Check the pool and user names", "Check the pool names", "Check the user names")


def name_check_fact(case):
    return "name_check_" + case.replace("-", "_")


@pytest.fixture(scope="module")
def bad_names_run(site, tmp_path_factory):
    """Per case, the failed task's name and result (what the rescue saw), and the play recap."""
    work = tmp_path_factory.mktemp("bad-names")
    plays = []
    for case, (host, role, case_vars, dummy) in NAME_CASES.items():
        rescue = {"ansible.builtin.set_fact": {name_check_fact(case): {
            "task": "{{ ansible_failed_task.name }}", "result": "{{ ansible_failed_result }}"}}}
        plays.append({"name": case, "hosts": host, "gather_facts": False, "vars": case_vars, "tasks": [{
            "block": [{"ansible.builtin.include_role": {"name": "cephstack.cloud." + role}}], "rescue": [rescue]}]})
    report = ", ".join("'%s': hostvars['%s'].%s | default(None)" % (case, host, name_check_fact(case))
                       for case, (host, *dummy) in NAME_CASES.items())
    plays.append({"name": "report", "hosts": "localhost", "gather_facts": False, "tasks": [
        {"ansible.builtin.copy": {"content": "{{ {%s} | to_json }}" % report, "dest": str(work / "report.json")}}]})
    (work / "play.json").write_text(json.dumps(plays))
    res = playbook("-i", SITE_ARGS[1], *SITE_ARGS[3:], str(work / "play.json"))
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    with open(work / "report.json") as f:
        return json.load(f), res.stdout


@pytest.mark.parametrize("case", sorted(NAME_CASES))
def test_bad_names_fail_before_anything_changes(bad_names_run, case):
    host, role, dummy, words = NAME_CASES[case]
    report, stdout = bad_names_run
    failure = report[case]
    assert failure and failure["task"] in NAME_CHECKS, failure
    msg = failure["result"]["msg"]
    assert "Traceback" not in json.dumps(failure)
    for word in words:
        assert word in msg, (case, msg)
    # every case on this host was refused by its name check, and nothing changed there
    cases_here = [h for h, *dummy in NAME_CASES.values()].count(host)
    recap = re.search(r"^%s\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=0\s+failed=0\s+skipped=\d+\s+rescued=(\d+)"
                      % host, stdout, re.M)
    assert recap and recap.groups() == ("0", str(cases_here)), stdout[-2000:]

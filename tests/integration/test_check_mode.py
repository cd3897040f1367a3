"""Check mode by construction, proven on the lab: for each module and scenario, a check run and
then a real run from the same state report the same ``changed``, the same ``commands`` and the
same after-state (fields only the real run can know are "(known after apply)" in the check run),
and the check run changed nothing: not the cluster, not a file, not a libvirt secret.
"""
import hashlib
import json
import os
import subprocess

import pytest

from tests.integration.conftest import CONTAINER, LAB, MINTED_TYPE, ceph_reads, cli_words, run_module

UNKNOWN = "(known after apply)"
KEY_A = "AQAeoAFrtG3cFRAA0+fnE1OFO/TA3lPa7zBxEg=="
KEY_B = "AQBooQFrAAAAABAAYf3e+Q0OWGmtJcIuWvCqzw=="
KEY_AES256K = "AgCZfQ9rtI6qACAAnXO/7uInLFjCrHMCjeuckMz0eWvIPG0cXTZecYTMC8U="   # minted by Tentacle 20.2.4
# Releases whose monitors mint aes256k keys and refuse new aes ones by default
MINTS_AES256K = MINTED_TYPE == "Ag"
SECRET_UUID = "0b0b3b07-5c11-4c60-8e0d-2f4c2d7f7a01"
# What a command can change; last_change and flags also move while a new pool's PGs are created.
POOL_FIELDS = ("pool_name", "pool_id", "type", "size", "min_size", "pg_num_target", "pg_placement_num_target",
               "pg_autoscale_mode", "options", "crush_rule", "erasure_code_profile", "application_metadata",
               "quota_max_bytes", "quota_max_objects")


def differences(predicted, real, path="after"):
    """Where a prediction disagrees with the real outcome; UNKNOWN matches anything."""
    if predicted == UNKNOWN:
        return []
    if isinstance(predicted, dict) and isinstance(real, dict):
        found = ["%s: keys %s != %s" % (path, sorted(predicted), sorted(real))] if set(predicted) != set(real) else []
        for key in set(predicted) & set(real):
            found += differences(predicted[key], real[key], "%s.%s" % (path, key))
        return found
    return [] if predicted == real else ["%s: predicted %r, real %r" % (path, predicted, real)]


def unknown_fields(predicted, path="after"):
    if predicted == UNKNOWN:
        return [path]
    if isinstance(predicted, dict):
        return [f for k, v in predicted.items() for f in unknown_fields(v, "%s.%s" % (path, k))]
    return []


def files_under(directory):
    snap = {}
    for root, dummy, names in os.walk(directory):
        for name in names:
            p = os.path.join(root, name)
            st = os.stat(p)
            snap[p] = (hashlib.sha256(open(p, "rb").read()).hexdigest(), st.st_uid, st.st_gid, st.st_mode)
    return snap


def world(workdir, libvirt_uri):
    """Everything a module here could change (on a release lab, whose modules run in its container,
    not this machine's libvirt secrets, which other tests may set meanwhile)."""
    secrets = value = None
    if CONTAINER is None:
        # the secrets a module here may touch: a release lab's test sets one of its own meanwhile
        listed = subprocess.run(["virsh", "-q", "-c", libvirt_uri, "secret-list"], capture_output=True,
                                text=True, check=False).stdout
        secrets = [line for line in listed.splitlines() if SECRET_UUID in line or "client.cm " in line]
        value = subprocess.run(["virsh", "-q", "-c", libvirt_uri, "secret-get-value", SECRET_UUID],
                               capture_output=True, text=True, check=False).stdout
    pools, auth = ceph_reads(("mon", {"prefix": "osd pool ls", "detail": "detail"}), ("mon", {"prefix": "auth ls"}))
    pools = [dict((k, p.get(k)) for k in POOL_FIELDS) for p in pools]
    return dict(pools=pools, auth=auth, files=files_under(workdir), secrets=secrets, value=value)


def check_then_apply(module, args, resource, workdir, libvirt_uri, expect_unknown=(), extra_world=None):
    def everything():
        return dict(world(workdir, libvirt_uri), extra=extra_world() if extra_world else None)
    before = everything()
    check = run_module(module, args, check=True)
    after_check = everything()
    assert after_check == before, [(k, before[k], after_check[k]) for k in before if before[k] != after_check[k]]
    real = run_module(module, args)
    assert check["changed"] == real["changed"]
    assert check["commands"] == real["commands"]
    assert differences(check[resource], real[resource]) == []
    assert differences(check["diff"]["after"], real["diff"]["after"], "diff.after") == []
    assert sorted(unknown_fields(check[resource]) + unknown_fields(check["diff"]["after"], "diff")) == \
        sorted(expect_unknown)
    return real


def conn(**args):
    return dict(args, conf=os.path.join(LAB, "ceph.conf"))


@pytest.mark.release
def test_ceph_pool(workdir, libvirt_uri):
    pool = dict(name="cm-pool", pg_num=8, size=1, min_size=1, application="rbd", quota_max_objects=10)
    # the cluster's defaults give the rest (pg_autoscale_mode here): predicted from the leader's config
    new = ["after.pool_id", "after.crush_rule_id", "diff.pool_id", "diff.crush_rule_id"]
    r = check_then_apply("ceph_pool", conn(**pool), "pool", workdir, libvirt_uri, new)
    assert r["changed"] and cli_words(r["commands"][0]).startswith("ceph osd pool create")
    update = {**pool, "pg_num": 16, "quota_max_bytes": "1G", "pg_autoscale_mode": "warn", "target_size_ratio": 0.2}
    r = check_then_apply("ceph_pool", conn(**update), "pool", workdir, libvirt_uri)
    assert len(r["commands"]) == 4
    r = check_then_apply("ceph_pool", conn(**pool), "pool", workdir, libvirt_uri)     # pg_num stays at 16 target
    r = check_then_apply("ceph_pool", conn(name="cm-pool", state="absent"), "pool", workdir, libvirt_uri)
    assert r["changed"] and r["pool"] == {}


@pytest.mark.release
def test_ceph_auth_with_keyring(workdir, libvirt_uri):
    keyring = dict(path=os.path.join(workdir, "ceph.client.cm.keyring"), mode="0640")
    user = dict(name="client.cm", caps={"mon": "profile rbd", "osd": "profile rbd pool=cm"}, keyring=keyring)
    r = check_then_apply("ceph_auth", conn(**user), "entity", workdir, libvirt_uri,
                         ["after.key_type", "diff.key", "diff.key_type", "diff.keyring.text"])
    assert cli_words(r["commands"][0]).startswith("ceph auth get-or-create") and r["keyring_changed"]
    r = check_then_apply("ceph_auth", conn(**{**user, "caps": {"mon": "profile rbd"}}), "entity", workdir, libvirt_uri)
    assert [cli_words(c) for c in r["commands"]] == ["ceph auth caps --entity client.cm mon 'profile rbd'"]
    r = check_then_apply("ceph_auth", conn(**{**user, "key": KEY_A}), "entity", workdir, libvirt_uri)
    assert [cli_words(c) for c in r["commands"]] == ["ceph auth import", "write keyring %s" % keyring["path"]]
    assert open(keyring["path"]).read() == "[client.cm]\n\tkey = %s\n" % KEY_A
    # The imported key is aes: a rotation keeps that type, which a cluster that mints aes256k refuses.
    rotate = dict(user, rotate_key=True, key_type="aes256k") if MINTS_AES256K else dict(user, rotate_key=True)
    r = check_then_apply("ceph_auth", conn(**rotate), "entity", workdir, libvirt_uri, ["diff.key", "diff.keyring.text"])
    assert r["entity"]["key_type"] == ("aes256k" if MINTS_AES256K else "aes")
    assert KEY_A not in open(keyring["path"]).read()
    r = check_then_apply("ceph_auth", conn(name="client.cm", state="absent", keyring=keyring), "entity",
                         workdir, libvirt_uri)
    assert r["changed"] and not os.path.exists(keyring["path"])


@pytest.mark.release
def test_ceph_keyring(workdir, libvirt_uri):
    args = dict(name="client.cm", key=KEY_A, path=os.path.join(workdir, "k"), mode="0640", group="root")
    r = check_then_apply("ceph_keyring", args, "keyring", workdir, libvirt_uri)
    assert r["changed"] and KEY_A not in json.dumps(r)
    assert check_then_apply("ceph_keyring", args, "keyring", workdir, libvirt_uri)["changed"] is False
    r = check_then_apply("ceph_keyring", dict(args, mode="0600"), "keyring", workdir, libvirt_uri)
    assert r["commands"] == ["set owner, group and mode of %s (root:root 0600)" % args["path"]]
    r = check_then_apply("ceph_keyring", dict(args, key=KEY_B), "keyring", workdir, libvirt_uri)
    assert r["commands"] == ["write keyring %s" % args["path"]] and r["keyring"]["mode"] == "0640"
    r = check_then_apply("ceph_keyring", dict(args, key=KEY_AES256K), "keyring", workdir, libvirt_uri)
    assert r["commands"] == ["write keyring %s" % args["path"]] and KEY_AES256K not in json.dumps(r)
    assert open(args["path"]).read() == "[client.cm]\n\tkey = %s\n" % KEY_AES256K
    r = check_then_apply("ceph_keyring", dict(args, state="absent"), "keyring", workdir, libvirt_uri)
    assert r["keyring"] == {}


@pytest.mark.release
def test_ini_options(workdir, libvirt_uri):
    path = os.path.join(workdir, "ceph", "ceph.conf")
    os.makedirs(os.path.dirname(path))
    with open(path, "w") as f:
        f.write("# minimal ceph.conf\n[global]\n\tfsid = x\n\tmon_host = [v2:127.0.0.1:1/0]\n")
    args = dict(path=path, options={"global": {"mon host": "[v2:10.0.0.1:3300]"}, "client": {"rbd cache": True}},
                mode="0644")
    r = check_then_apply("ini_options", args, "file", workdir, libvirt_uri)
    assert r["changed_options"] == ["global.mon host", "client.rbd cache"]
    text = open(path).read()
    assert "\tmon_host = [v2:10.0.0.1:3300]" in text and "mon host" not in text
    assert check_then_apply("ini_options", args, "file", workdir, libvirt_uri)["changed"] is False
    r = check_then_apply("ini_options", dict(args, options={"client": {"rbd_cache": None}}, dialect="ceph"),
                         "file", workdir, libvirt_uri)
    assert r["changed_options"] == ["client.rbd_cache"] and "rbd cache" not in open(path).read()


def test_libvirt_secret(workdir, libvirt_uri):
    args = dict(uuid=SECRET_UUID, usage_name="client.cm secret", value=KEY_A, uri=libvirt_uri)
    r = check_then_apply("libvirt_secret", args, "secret", workdir, libvirt_uri)
    assert r["commands"] == ["virsh -q -c %s secret-define --file /dev/stdin" % libvirt_uri,
                             "virsh -q -c %s secret-set-value --secret %s --file /dev/stdin" % (libvirt_uri, SECRET_UUID)]
    r = check_then_apply("libvirt_secret", dict(args, value=KEY_B, description="rotated"), "secret", workdir,
                         libvirt_uri)
    assert len(r["commands"]) == 2
    r = check_then_apply("libvirt_secret", dict(args, state="absent"), "secret", workdir, libvirt_uri)
    assert r["secret"] == {}


@pytest.mark.release
def test_info_modules_change_nothing(workdir, libvirt_uri):
    check_then_apply("ceph_auth_info", conn(names=["client.admin"]), "entities", workdir, libvirt_uri)
    check_then_apply("ceph_cluster_info", conn(), "fsid", workdir, libvirt_uri)

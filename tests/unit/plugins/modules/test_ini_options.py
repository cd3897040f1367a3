"""ini_options on real files (it runs no tool): check, apply, re-run, removal; the oslo and Ceph
dialects; secrets redacted in diff; bad input named. The cinder.conf excerpt is what Debian 12's
cinder-volume package installs, trimmed."""
import os

from ansible_collections.cephstack.cloud.plugins.modules.ini_options import IniOptions
from tests.unit.helpers import run_module

PACKAGED_CINDER_CONF = """[DEFAULT]
rootwrap_config = /etc/cinder/rootwrap.conf
api_paste_confg = /etc/cinder/api-paste.ini
# iscsi_helper = tgtadm
volume_name_template = volume-%s
state_path = /var/lib/cinder

[database]
connection = sqlite:////var/lib/cinder/cinderdb
"""


def run(args, capsys, check_mode=False):
    return run_module(IniOptions, dict(args, mode="0640"), None, capsys, check_mode=check_mode, diff=True)


def test_check_apply_rerun_remove(tmp_path, capsys):
    path = tmp_path / "cinder.conf"
    path.write_text(PACKAGED_CINDER_CONF)
    args = dict(path=str(path), options={"DEFAULT": {"enabled_backends": "ceph"},
                                         "ceph": {"volume_driver": "cinder.volume.drivers.rbd.RBDDriver",
                                                  "rbd_pool": "volumes", "rbd_flatten_volume_from_snapshot": False}})
    failed, check = run(args, capsys, check_mode=True)
    assert not failed and check["changed"] and path.read_text() == PACKAGED_CINDER_CONF
    assert check["commands"] == ["write file %s" % path]
    assert check["changed_options"] == ["DEFAULT.enabled_backends", "ceph.volume_driver", "ceph.rbd_pool",
                                        "ceph.rbd_flatten_volume_from_snapshot"]

    failed, applied = run(args, capsys)
    assert not failed and applied["commands"] == check["commands"] and applied["diff"] == check["diff"]
    text = path.read_text()
    # the package's lines and comments stay; the options land in their sections
    assert text.startswith("[DEFAULT]\nrootwrap_config = /etc/cinder/rootwrap.conf\n")
    assert "# iscsi_helper = tgtadm\n" in text and "enabled_backends = ceph\n" in text
    assert "[ceph]\n" in text and "rbd_flatten_volume_from_snapshot = false\n" in text
    assert oct(os.stat(path).st_mode & 0o777) == "0o640" and applied["file"]["mode"] == "0640"

    failed, again = run(args, capsys)
    assert not failed and not again["changed"] and again["commands"] == [] and again["changed_options"] == []

    failed, removed = run(dict(args, options={"ceph": {"rbd_pool": None}}), capsys)
    assert not failed and removed["changed_options"] == ["ceph.rbd_pool"] and "rbd_pool" not in path.read_text()


def test_ceph_dialect_spaces_and_underscores_are_one_option(tmp_path, capsys):
    path = tmp_path / "ceph.conf"
    path.write_text("[global]\n\tfsid = x\n\tmon host = [v2:127.0.0.1:3300]\n")
    failed, res = run(dict(path=str(path), options={"global": {"mon_host": "[v2:10.0.0.1:3300]"}}), capsys)
    assert not failed and res["changed_options"] == ["global.mon_host"]
    text = path.read_text()
    assert text.count("mon") == 1 and "[v2:10.0.0.1:3300]" in text


def test_secret_options_are_redacted_in_diff(tmp_path, capsys):
    path = tmp_path / "glance-api.conf"
    path.write_text("[database]\nconnection = mysql+pymysql://glance:old@db/glance\n")
    failed, res = run(dict(path=str(path), secret_options=["connection"],
                           options={"database": {"connection": "mysql+pymysql://glance:new-secret@db/glance"}}),
                      capsys)
    assert not failed and res["changed"]
    assert "new-secret" not in repr(res) and "old@" not in repr(res) and "<redacted>" in res["diff"]["after"]["text"]


def test_bad_input_names_the_option(tmp_path, capsys):
    missing = tmp_path / "absent.conf"
    failed, res = run(dict(path=str(missing), create=False, options={"a": {"b": 1}}), capsys)
    assert failed and res["msg"] == "path=%s does not exist and create=false" % missing and not missing.exists()
    failed, res = run(dict(path=str(missing), options={"DEFAULT": "debug = true"}), capsys)
    assert failed and res["msg"].startswith("options.DEFAULT must be a dict of option to value")
    failed, res = run(dict(path=str(missing), dialect="toml", options={}), capsys)
    assert failed and "dialect" in res["msg"] and "auto, oslo, ceph" in res["msg"]

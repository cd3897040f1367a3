"""A second cluster as the backup target (disaster recovery across sites).

A second lab cluster runs beside the first, on other ports. The cinder_backup role, given the
cluster's name and its admin conf, makes the backups pool and a least-privilege user there, and
writes backup.conf and backup.client.cinder-backup.keyring next to cinder.conf's
backup_ceph_conf. Cinder's real CephBackupDriver, from that cinder.conf, backs up a volume of the
first cluster to the second and restores it.
"""
import json
import os

from tests.integration.conftest import LAB, SITE_ARGS, TOP, playbook, sh
from tests.integration.service_helpers import add_options, service_script

LAB_B = "/var/tmp/cephstack-backup-lab"


def test_cinder_backup_to_a_second_cluster_and_restore(site, tmp_path):
    lab_cmd = os.path.join(TOP, "lab", "ceph-lab")
    sh(lab_cmd, "stop", "--dir", LAB_B, "--purge")
    started = sh(lab_cmd, "start", "--dir", LAB_B, "--v2-port", "3396", "--v1-port", "6796")
    assert started.returncode == 0, started.stderr
    try:
        conf = tmp_path / "cinder.conf"
        conf.write_text("")
        (tmp_path / "ceph").mkdir()
        extra = {"cinder_backup_cluster": "backup",
                 "cinder_backup_cluster_admin": {"conf": os.path.join(LAB_B, "ceph.conf"),
                                                 "client_keyring": os.path.join(LAB_B, "ceph.client.admin.keyring")},
                 "cinder_backup_config_file": str(conf),
                 "cinder_backup_ceph_conf": str(tmp_path / "ceph" / "backup.conf")}
        res = playbook(*SITE_ARGS, "--limit", "lab-backup", "-e", json.dumps(extra))
        assert res.returncode == 0, res.stdout[-3000:]
        backup_conf = (tmp_path / "ceph" / "backup.conf").read_text()
        fsid_b = json.loads(sh("ceph", "--conf", os.path.join(LAB_B, "ceph.conf"), "fsid", "--format",
                               "json").stdout)["fsid"]
        assert "fsid = %s" % fsid_b in backup_conf and ":6796]" in backup_conf
        assert "keyring = %s/backup.$name.keyring" % (tmp_path / "ceph") in backup_conf
        keyring = tmp_path / "ceph" / "backup.client.cinder-backup.keyring"
        assert oct(keyring.stat().st_mode & 0o777) == "0o640"
        user = json.loads(sh("ceph", "--conf", os.path.join(LAB_B, "ceph.conf"), "auth", "get",
                             "client.cinder-backup", "--format", "json").stdout)[0]
        assert user["caps"] == {"mon": "profile rbd", "osd": "profile rbd pool=backups", "mgr": "profile rbd pool=backups"}
        assert "backup_ceph_conf = %s" % (tmp_path / "ceph" / "backup.conf") in conf.read_text()

        again = playbook(*SITE_ARGS, "--limit", "lab-backup", "-e", json.dumps(extra))
        assert again.returncode == 0 and " changed=0 " in again.stdout, again.stdout[-3000:]

        add_options(str(conf), {"DEFAULT": {"state_path": str(tmp_path)},
                                "database": {"connection": "sqlite:///%s/cinder.sqlite" % tmp_path},
                                "oslo_concurrency": {"lock_path": str(tmp_path)}})
        sync = sh("cinder-manage", "--config-file", str(conf), "db", "sync")
        assert sync.returncode == 0, sync.stderr[-2000:]
        volume_conf = os.path.join(LAB, "hosts", "lab-cinder", "etc", "ceph", "ceph.conf")
        out = service_script("cinder_backup.py", str(conf), volume_conf)
        assert out["head_matches"] is True and out["restored_size"] == 1024 ** 3
        base = json.loads(out["service_metadata"])["base"]
        on_b = json.loads(sh("rbd", "--conf", os.path.join(LAB_B, "ceph.conf"), "ls", "backups", "--format",
                             "json").stdout)
        on_a = json.loads(sh("rbd", "--conf", os.path.join(LAB, "ceph.conf"), "ls", "backups", "--format",
                             "json").stdout)
        assert base in on_b and base not in on_a
    finally:
        sh(lab_cmd, "stop", "--dir", LAB_B, "--purge")

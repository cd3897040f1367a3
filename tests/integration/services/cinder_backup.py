"""Drive Cinder's real CephBackupDriver from a generated cinder.conf, the way cinder-backup does:
the source is an RBD volume opened as the volume's user (os-brick's RBDVolumeIOWrapper), the
backup goes to the backup pool as the backup user (rbd export-diff | import-diff), then the backup
is restored into a second RBD volume.

    /usr/bin/python3 cinder_backup.py BACKUP_CINDER_CONF VOLUME_CEPH_CONF
The conf needs a [database] connection prepared by `cinder-manage db sync` (the driver reads the
volume record). Prints JSON.
"""
import hashlib
import json
import sys
import uuid

import rados
import rbd
from os_brick.initiator import linuxrbd
from oslo_config import cfg

from cinder import context, db, objects
from cinder.backup.drivers import ceph as ceph_backup
from cinder.common import config  # noqa: F401 pylint: disable=unused-import

GIB = 1024 ** 3
HEAD = 4 * 1024 * 1024
VOLUME_POOL, VOLUME_USER = "volumes", "cinder"


def volume_record(ctx, size_gib):
    vol_id = str(uuid.uuid4())
    vol_type = db.volume_type_get_by_name(ctx, "__DEFAULT__")
    db.volume_create(ctx, {"id": vol_id, "size": size_gib, "display_name": "it-backup",
                           "status": "available", "host": "lab-cinder@ceph#ceph",
                           "attach_status": "detached", "volume_type_id": vol_type["id"]})
    return objects.Volume.get_by_id(ctx, vol_id)


def main(conf_path, volume_conf):
    cfg.CONF([], project="cinder", default_config_files=[conf_path])
    objects.register_all()
    ctx = context.get_admin_context()
    source, target = volume_record(ctx, 1), volume_record(ctx, 1)
    head = hashlib.sha256(str(uuid.uuid4()).encode()).digest() * (HEAD // 32)

    cluster = rados.Rados(conffile=volume_conf, name="client." + VOLUME_USER)
    cluster.connect(timeout=30)
    ioctx = cluster.open_ioctx(VOLUME_POOL)
    for vol in (source, target):
        rbd.RBD().create(ioctx, vol.name, GIB, old_format=False, features=rbd.RBD_FEATURE_LAYERING)
    with rbd.Image(ioctx, source.name) as img:
        img.write(head, 0)

    drv = ceph_backup.CephBackupDriver(ctx)
    drv.check_for_setup_error()
    backup = objects.Backup(context=ctx, volume_id=source.id, size=1, status="creating",
                            display_name="it", container=None, service_metadata=None,
                            user_id="it", project_id="it")
    backup.create()
    with rbd.Image(ioctx, source.name) as img:
        wrapper = linuxrbd.RBDVolumeIOWrapper(linuxrbd.RBDImageMetadata(img, VOLUME_POOL, VOLUME_USER, volume_conf))
        updates = drv.backup(backup, wrapper)
    if updates:     # what the backup manager does with the driver's answer
        backup.update(updates)
    backup.status = "available"
    backup.save()

    with rbd.Image(ioctx, target.name) as img:
        wrapper = linuxrbd.RBDVolumeIOWrapper(linuxrbd.RBDImageMetadata(img, VOLUME_POOL, VOLUME_USER, volume_conf))
        drv.restore(backup, target.id, wrapper)
    with rbd.Image(ioctx, target.name) as img:
        restored = img.read(0, HEAD)
        size = img.size()
    ioctx.close()
    cluster.shutdown()
    print(json.dumps({"backup_id": backup.id, "source": source.name, "target": target.name,
                      "container": backup.container, "service_metadata": backup.service_metadata,
                      "head_matches": restored == head, "restored_size": size}))


if __name__ == "__main__":
    main(*sys.argv[1:3])

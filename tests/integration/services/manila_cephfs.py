"""Drive Manila's real CephFSDriver from a generated manila.conf, as manila-share does, and check
each step with a libcephfs client and an admin connection.

    /usr/bin/python3 manila_cephfs.py MANILA_CONF BACKEND ADMIN_CONF
Prints JSON observations: quotas, the export path, what alice could and could not do.
"""
import errno
import json
import sys
import uuid

import cephfs
import rados
from oslo_config import cfg

from manila import context
from manila.share import configuration
from manila.share import driver as share_driver
from manila.share.drivers.cephfs import driver as cephfs_driver

GiB = 1024 ** 3


def admin_mgr(admin, prefix, **args):
    rc, out, err = admin.mgr_command(json.dumps(dict(args, prefix=prefix, format="json")), b"")
    if rc != 0:
        return {"error": -rc, "message": err}
    return json.loads(out) if out.strip() else None


def mount_as(conf, auth_id, key, root):
    """A libcephfs mount of ``root`` as client.<auth_id> with ``key``: the client or the errno."""
    fs = cephfs.LibCephFS(conffile=conf, auth_id=auth_id)
    fs.conf_set("key", key)
    fs.conf_set("client_mount_timeout", "10")
    try:
        fs.mount(mount_root=root.encode(), filesystem_name=b"cephfs")
    except cephfs.Error as e:
        return getattr(e, "errno", None) or errno.EIO
    return fs


def write(fs, path, data):
    try:
        fd = fs.open(path.encode(), "w", 0o644)
        fs.write(fd, data, 0)
        fs.close(fd)
        return "ok"
    except cephfs.Error as e:
        return errno.errorcode.get(getattr(e, "errno", 0) or 0, str(e))


def driver_from_config(conf_path, backend):
    """The CephFSDriver of one backend section, set up as manila-share sets it up."""
    cfg.CONF([], project="manila", default_config_files=[conf_path])
    conf = configuration.Configuration(share_driver.share_opts, config_group=backend)
    drv = cephfs_driver.CephFSDriver(configuration=conf)
    ctx = context.get_admin_context()
    drv.do_setup(ctx)
    drv.check_for_setup_error()
    return conf, drv, ctx


def main(conf_path, backend, admin_conf):
    conf, drv, ctx = driver_from_config(conf_path, backend)
    ceph_conf = conf.cephfs_conf_path
    admin = rados.Rados(conffile=admin_conf)
    admin.connect()
    seen = {"backend_name": drv.backend_name}

    share = {"id": str(uuid.uuid4()), "size": 1, "share_proto": "CEPHFS", "share_group_id": None,
             "project_id": "it", "share_id": None}
    location = drv.create_share(ctx, share)          # Zed returns one location dict
    location = location[0] if isinstance(location, list) else location
    path = "/" + location["path"].split(":/", 1)[1]
    info = admin_mgr(admin, "fs subvolume info", vol_name="cephfs", sub_name=share["id"])
    seen.update(export=location["path"], path=path, quota=info["bytes_quota"], subvolume_path=info["path"],
                namespace=info["pool_namespace"])

    rule = {"access_id": str(uuid.uuid4()), "access_type": "cephx", "access_to": "alice", "access_level": "rw"}
    updates = drv.update_access(ctx, share, [rule], [rule], [])
    key = updates[rule["access_id"]]["access_key"]
    seen["key_is_alices"] = key == json.loads(admin.mon_command(json.dumps(
        {"prefix": "auth get", "entity": "client.alice", "format": "json"}), b"")[1])[0]["key"]

    fs = mount_as(ceph_conf, "alice", key, path)
    seen["alice_mounts_share"] = not isinstance(fs, int)
    if seen["alice_mounts_share"]:
        seen["alice_writes_inside"] = write(fs, "/hello.txt", b"written by alice\n")
        fs.unmount()
        fs.shutdown()
    outside = mount_as(ceph_conf, "alice", key, "/volumes")
    seen["alice_mounts_outside"] = errno.errorcode.get(outside, outside) if isinstance(outside, int) else "mounted"
    if not isinstance(outside, int):
        seen["alice_writes_outside"] = write(outside, "/intruder.txt", b"x")
        outside.shutdown()
    # the file is in the subvolume, seen by the admin's own libcephfs mount
    root = cephfs.LibCephFS(conffile=admin_conf)
    root.mount(filesystem_name=b"cephfs")
    seen["admin_reads"] = root.stat((info["path"] + "/hello.txt").encode()).st_size
    root.shutdown()

    drv.extend_share(share, 2)
    seen["quota_extended"] = admin_mgr(admin, "fs subvolume info", vol_name="cephfs", sub_name=share["id"])["bytes_quota"]
    drv.shrink_share(share, 1)
    seen["quota_shrunk"] = admin_mgr(admin, "fs subvolume info", vol_name="cephfs", sub_name=share["id"])["bytes_quota"]
    snapshot = {"id": str(uuid.uuid4()), "snapshot_id": str(uuid.uuid4()), "share_id": share["id"], "share": share}
    drv.create_snapshot(ctx, snapshot)
    listed = admin_mgr(admin, "fs subvolume snapshot ls", vol_name="cephfs", sub_name=share["id"])
    seen["snapshots"] = [s["name"] for s in listed]
    seen["snapshot_name"] = "_".join([snapshot["snapshot_id"], snapshot["id"]])

    drv.update_access(ctx, share, [], [], [rule])
    denied = mount_as(ceph_conf, "alice", key, path)
    seen["alice_after_deny"] = errno.errorcode.get(denied, denied) if isinstance(denied, int) else "mounted"
    if not isinstance(denied, int):
        denied.shutdown()

    drv.delete_snapshot(ctx, snapshot)
    drv.delete_share(ctx, share)
    gone = admin_mgr(admin, "fs subvolume info", vol_name="cephfs", sub_name=share["id"])
    seen["deleted"] = isinstance(gone, dict) and gone.get("error") == errno.ENOENT
    admin.shutdown()
    print(json.dumps(seen))


if __name__ == "__main__":
    main(*sys.argv[1:4])

"""Drive Manila's real CephFSDriver with its NFS helper from a generated manila.conf: the helper
exports a share through the lab's Ganesha (D-Bus), a userspace NFS client (libnfs) writes, and
the file is read back through libcephfs inside the subvolume.

    DBUS_SYSTEM_BUS_ADDRESS=... /usr/bin/python3 manila_cephfs_nfs.py MANILA_CONF BACKEND ADMIN_CONF
Prints JSON observations.
"""
import json
import subprocess
import sys
import tempfile
import uuid

import cephfs

from manila_cephfs import driver_from_config   # the sibling script: the driver as manila-share builds it


def nfs_write(url, data):
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["timeout", "30", "nfs-cp", f.name, url], capture_output=True, text=True, check=False)
    return out.returncode == 0, (out.stdout + out.stderr).strip()


def main(conf_path, backend, admin_conf):
    dummy, drv, ctx = driver_from_config(conf_path, backend)
    seen = {"helper": type(drv.protocol_helper).__name__}

    share_id = str(uuid.uuid4())
    share = {"id": share_id, "name": "share-" + share_id, "size": 1, "share_proto": "NFS", "share_group_id": None,
             "project_id": "it", "share_id": None}
    location = drv.create_share(ctx, share)
    location = location[0] if isinstance(location, list) else location
    seen["export"] = location["path"]
    host, pseudo = location["path"].split(":", 1)
    rule = {"access_id": str(uuid.uuid4()), "access_type": "ip", "access_to": "127.0.0.1", "access_level": "rw"}
    drv.update_access(ctx, share, [rule], [rule], [])
    url = "nfs://%s%s/over-nfs.txt?version=4" % (host, pseudo)
    seen["nfs_write"], seen["nfs_output"] = nfs_write(url, "written over NFS\n")

    fs = cephfs.LibCephFS(conffile=admin_conf)
    fs.mount(filesystem_name=b"cephfs")
    try:
        seen["cephfs_size"] = fs.stat((pseudo + "/over-nfs.txt").encode()).st_size
    except cephfs.Error as e:
        seen["cephfs_size"] = str(e)
    fs.shutdown()

    drv.update_access(ctx, share, [], [], [rule])
    seen["nfs_after_deny"], dummy = nfs_write(url.replace("over-nfs", "after-deny"), "x\n")
    drv.delete_share(ctx, share)
    print(json.dumps(seen))


if __name__ == "__main__":
    main(*sys.argv[1:4])

"""Run by verify inside the NFS instance: Manila's CephFSDriver with its NFS helper, built from the
instance's own manila.conf, exports a share through the Ganesha beside it (D-Bus), and libnfs
writes into it over NFS. Two phases, so that verify can read the file back through libcephfs on
the host in between:

    python3 manila_nfs_share.py create NFS_PORT           -> JSON: share, export, nfs_write, nfs_output
    python3 manila_nfs_share.py delete SHARE_JSON NFS_PORT -> JSON: nfs_after_deny, index
Needs manila_cephfs.py and manila_cephfs_nfs.py (tests/integration/services) beside it.
"""
import json
import sys
import uuid

from manila_cephfs import driver_from_config
from manila_cephfs_nfs import nfs_write as nfs_write_url

CONF, BACKEND = "/etc/manila/manila.conf", "cephfs"
RULE = {"access_type": "ip", "access_to": "127.0.0.1", "access_level": "rw"}


def nfs_write(export, port, name, data):
    host, pseudo = export.split(":", 1)
    return nfs_write_url("nfs://%s%s/%s?version=4&nfsport=%s" % (host, pseudo, name, port), data)


def create(port):
    dummy, drv, ctx = driver_from_config(CONF, BACKEND)
    share_id = str(uuid.uuid4())
    share = {"id": share_id, "name": "share-" + share_id, "size": 1, "share_proto": "NFS", "share_group_id": None,
             "project_id": "molecule", "share_id": None}
    location = drv.create_share(ctx, share)
    location = location[0] if isinstance(location, list) else location
    rule = dict(RULE, access_id=share_id)
    drv.update_access(ctx, share, [rule], [rule], [])
    written, output = nfs_write(location["path"], port, "over-nfs.txt", "written over NFS\n")
    return {"share": share, "export": location["path"], "nfs_write": written, "nfs_output": output}


def delete(created, port):
    dummy, drv, ctx = driver_from_config(CONF, BACKEND)
    share = created["share"]
    drv.update_access(ctx, share, [], [], [dict(RULE, access_id=share["id"])])
    seen = {"nfs_after_deny": nfs_write(created["export"], port, "after-deny.txt", "x\n")[0]}
    drv.delete_share(ctx, share)
    with open("/etc/ganesha/export.d/INDEX.conf") as f:
        seen["index"] = f.read().strip()
    return seen


if __name__ == "__main__":
    if sys.argv[1] == "create":
        print(json.dumps(create(sys.argv[2])))
    else:
        print(json.dumps(delete(json.loads(sys.argv[2]), sys.argv[3])))

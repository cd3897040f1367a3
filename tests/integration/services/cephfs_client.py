"""A CephFS client as a share's user: mount ROOT with libcephfs as client.AUTH_ID and write FILE.

    /usr/bin/python3 cephfs_client.py CEPH_CONF AUTH_ID ROOT FILE < key
The key comes on stdin, never on argv. Prints JSON: {"mount": "ok" or an errno name,
"write": "ok" or an errno name}.
"""
import errno
import json
import sys

import cephfs


def errname(exc):
    return errno.errorcode.get(getattr(exc, "errno", 0) or 0, str(exc))


def main(conf, auth_id, root, name):
    key = sys.stdin.read().strip()
    fs = cephfs.LibCephFS(conffile=conf, auth_id=auth_id)
    fs.conf_set("key", key)
    fs.conf_set("client_mount_timeout", "10")
    out = {}
    try:
        fs.mount(mount_root=root.encode(), filesystem_name=b"cephfs")
        out["mount"] = "ok"
    except cephfs.Error as exc:
        out["mount"] = errname(exc)
        print(json.dumps(out))
        return
    try:
        fd = fs.open(("/" + name).encode(), "w", 0o644)
        fs.write(fd, b"written through manila's API\n", 0)
        fs.close(fd)
        out["write"] = "ok"
    except cephfs.Error as exc:
        out["write"] = errname(exc)
    fs.shutdown()
    print(json.dumps(out))


if __name__ == "__main__":
    main(*sys.argv[1:5])

"""Print a file from CephFS, read with libcephfs and the lab's Python (in a release lab's container
there), so a test checks what reached the file system, not what a mount shows.

    python3 cephfs_read.py CONF PATH
"""
import sys

import cephfs  # pylint: disable=import-error


def main():
    fs = cephfs.LibCephFS(conffile=sys.argv[1])
    fs.mount(filesystem_name=b"cephfs")
    try:
        fd = fs.open(sys.argv[2].encode(), "r")
        sys.stdout.write(fs.read(fd, 0, 4096).decode())
        fs.close(fd)
    finally:
        fs.shutdown()


if __name__ == "__main__":
    main()

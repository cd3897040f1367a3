"""Many Ceph reads on one librados connection: JSON commands on stdin, their parsed JSON answers
(None for an error) on stdout. The tests run it with the lab's Python (in a release lab's
container there), instead of one ceph CLI process per read.

    echo '[["mon", {"prefix": "auth ls"}]]' | python3 ceph_read.py CONF
"""
import json
import sys

import rados  # pylint: disable=import-error


def main():
    commands = json.load(sys.stdin)
    cluster = rados.Rados(conffile=sys.argv[1])
    cluster.connect(timeout=10)
    answers = []
    try:
        for target, command in commands:
            send = cluster.mgr_command if target == "mgr" else cluster.mon_command
            rc, out, dummy = send(json.dumps(dict(command, format="json")), b"", timeout=10)
            answers.append(json.loads(out) if rc == 0 and out.strip() else None)
    finally:
        cluster.shutdown()
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()

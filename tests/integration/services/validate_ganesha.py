"""Check a ganesha.conf by name and value with Ganesha's own parser.

    validate_ganesha.py GANESHA_CONF
ganesha.nfsd has no check-only mode, so it starts on the file inside a network namespace of its
own (no port clash with a running Ganesha, no client can reach it) and stops after a few
seconds. Every line its config parser logs (":CONFIG :") is an error: unknown parameters, values
out of range, bad blocks. Prints JSON {"errors": [...], "started": bool}.
"""
import json
import os
import subprocess
import sys
import tempfile

RUN = 'ip link set lo up && exec timeout {secs} ganesha.nfsd -F -f "$0" -L "$1" -p "$2" -N NIV_EVENT'


def main(conf, secs="3"):
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "ganesha.log")
        res = subprocess.run(["unshare", "-n", "sh", "-c", RUN.format(secs=int(secs)), os.path.abspath(conf), log,
                              os.path.join(tmp, "ganesha.pid")], capture_output=True, text=True, check=False)
        lines = open(log).read().splitlines() if os.path.exists(log) else []
    errors = [line.split(" :CONFIG :", 1)[1] for line in lines if " :CONFIG :" in line]
    started = any("NFS SERVER INITIALIZED" in line for line in lines)
    if not lines:
        errors.append("ganesha.nfsd wrote no log: %s" % (res.stderr.strip() or res.returncode))
    print(json.dumps({"errors": errors, "started": started}))


if __name__ == "__main__":
    main(*sys.argv[1:3])

"""Ganeti's own RADOSBlockDevice (ganeti.storage.bdev) on the cephx user the ganeti_rbd role set up:
CEPH_ARGS comes from the environment, as daemon-util gives it to the Ganeti daemons.

    CEPH_ARGS=... /usr/bin/python3 ganeti_rbd_device.py POOL NAME create|grow-remove
Prints JSON: the steps done, or the BlockDeviceError Ganeti raised.
"""
import glob
import json
import sys

sys.path.insert(0, sorted(glob.glob("/usr/share/ganeti/3.*"))[-1])    # 3.0 on bookworm, 3.1 later
from ganeti import constants, errors  # noqa: E402
from ganeti.storage import bdev  # noqa: E402

# Ganeti's Attach() (3.0.2 and 3.1.0~rc2) always maps the image with the kernel rbd module ("rbd map"), which
# these machines lack; only it is replaced. Create, Grow and Remove are Ganeti's own.
bdev.RADOSBlockDevice.Attach = lambda self: True


def main(pool, name, steps):
    params = {constants.LDP_POOL: pool, constants.LDP_ACCESS: "userspace"}
    try:
        dev = bdev.RADOSBlockDevice.Create(("rbd", name), [], 64, None, params, False, {})
    except errors.BlockDeviceError as e:
        return {"error": str(e)}
    done = {"created": True}
    if steps == "grow-remove":
        dev.Grow(64, False, True, False)
        done["grown"] = True
        dev.Remove()
        done["removed"] = True
    return done


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))

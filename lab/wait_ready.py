"""Wait until the lab cluster can serve clients: OSD up+in, mgr available (and, from Quincy on,
its .mgr pool made), volumes module answering, an MDS standby (or every rank up:active), a probe pool accepting a write, and every PG active.

Runs under /usr/bin/python3 (python3-rados). One connection polls everything.
"""
import json
import sys
import time

import rados

PROBE_POOL = "lab-probe"


def mon(cluster, prefix, **args):
    args.update(prefix=prefix, format="json")
    rc, out, err = cluster.mon_command(json.dumps(args), b"", timeout=5)
    return rc, (json.loads(out) if rc == 0 and out else None), err


def main(conf, keyring, deadline_s):
    deadline = time.monotonic() + float(deadline_s)
    # Every op is bounded, so a wedged OSD fails the wait at its deadline instead of hanging it.
    cluster = rados.Rados(conffile=conf, conf={"keyring": keyring, "rados_osd_op_timeout": "5",
                                               "rados_mon_op_timeout": "5"})
    while True:
        try:
            cluster.connect(timeout=2)
            break
        except rados.Error:
            if time.monotonic() > deadline:
                sys.exit("ceph-lab: mon did not answer")
            time.sleep(0.1)
    waiting = "osd"
    probe_written = False
    # From Quincy (17) on, the mgr makes its .mgr pool soon after it starts: a pool that would
    # otherwise appear in the middle of the first test.
    _, dump, _ = mon(cluster, "mon dump")
    makes_mgr_pool = (dump or {}).get("min_mon_release", 0) >= 17
    while time.monotonic() < deadline:
        _, st, _ = mon(cluster, "status")
        osdmap = st["osdmap"].get("osdmap", st["osdmap"])
        if osdmap["num_osds"] < 1 or osdmap["num_up_osds"] < osdmap["num_osds"] or osdmap["num_in_osds"] < osdmap["num_osds"]:
            waiting = "osd up+in"
        elif not st["mgrmap"]["available"]:
            waiting = "mgr available"
        elif makes_mgr_pool and ".mgr" not in (mon(cluster, "osd pool ls")[1] or []):
            waiting = "mgr pool .mgr"
        elif st["fsmap"].get("up:standby", 0) < 1 and not st["fsmap"].get("by_rank"):
            waiting = "mds standby"
        elif any(r.get("status") != "up:active" for r in st["fsmap"].get("by_rank", [])):
            # After an unclean stop the MDS waits (mds_reconnect_timeout, 45 s) for its old clients.
            waiting = "mds up:active"
        elif cluster.mgr_command(json.dumps({"prefix": "fs volume ls", "format": "json"}), b"", timeout=5)[0] != 0:
            waiting = "mgr volumes module"
        elif not probe_written:
            waiting = "probe pool write"
            if PROBE_POOL not in cluster.list_pools():
                mon(cluster, "osd pool create", pool=PROBE_POOL, pg_num=1, pgp_num=1)
            try:
                with cluster.open_ioctx(PROBE_POOL) as ioctx:
                    comp = ioctx.aio_write_full("probe", b"ok")
                    comp.wait_for_complete()
                    probe_written = comp.get_return_value() == 0
            except rados.Error:
                pass
        else:
            pgmap = st["pgmap"]
            # Active is what I/O needs: pools with more replicas than the one OSD stay undersized.
            active = sum(s["count"] for s in pgmap.get("pgs_by_state", [])
                         if "active" in s["state_name"].split("+"))
            if active == pgmap["num_pgs"]:
                mon(cluster, "osd pool rm", pool=PROBE_POOL, pool2=PROBE_POOL,
                    yes_i_really_really_mean_it=True)
                cluster.shutdown()
                return
            waiting = "all pgs active"
        time.sleep(0.1)
    sys.exit("ceph-lab: not ready in %ss (waiting for %s)" % (deadline_s, waiting))


if __name__ == "__main__":
    main(*sys.argv[1:4])

"""Manila's own services (api, scheduler, share) on the manila.conf the manila_cephfs role wrote, and
a CephFS share served through their v2 API: shared by the Zed proofs (test_manila) and the proofs
of each OpenStack release (test_release_stack)."""
import contextlib
import os

from tests.integration.conftest import ceph_json, log_lines, sh, wait_for
from tests.integration.service_helpers import answers, http, running

HEADERS = {"X-Auth-Token": "admin:admin", "X-OpenStack-Manila-API-Version": "2.65"}   # noauth


def on_host(script, *args):
    """A Manila console script as installed on this machine."""
    return [script] + list(args)


def service_options(host, state, transport_url, database_url, port):
    """What the operator's other tooling adds to a manila.conf for the tests' services: bus,
    database, listener, noauth. Not options the role owns."""
    return {
        "DEFAULT": {"transport_url": transport_url, "auth_strategy": "noauth", "state_path": state, "host": host,
                    "osapi_share_listen": "127.0.0.1", "osapi_share_listen_port": port,
                    "osapi_share_workers": 1, "periodic_interval": 5, "periodic_fuzzy_delay": 0,
                    "graceful_shutdown_timeout": 5, "debug": True},
        "database": {"connection": database_url},
        "oslo_concurrency": {"lock_path": state},
    }


class Manila:
    """The v2 API of running Manila services at url."""

    def __init__(self, url):
        self.url = url

    def request(self, method, path, body=None):
        return http(self.url, method, path, body, HEADERS)

    def wait_share(self, share_id, want):
        """The share once in state want; None: once gone."""
        def probe():
            status, body = self.request("GET", "/shares/%s" % share_id)
            if want is None:
                return status == 404
            state = body["share"]["status"]
            assert "error" not in state, body
            return state == want and body["share"]
        return wait_for(probe, timeout=90, what="share %s %s" % (share_id, want))

    def wait_rule_active(self, share_id, rule_id):
        """The access rule once active (it must not go to error)."""
        def probe():
            dummy, rules = self.request("GET", "/share-access-rules?share_id=" + share_id)
            rule = [r for r in rules["access_list"] if r["id"] == rule_id][0]
            assert rule["state"] != "error", rule
            return rule["state"] == "active" and rule
        return wait_for(probe, timeout=60, what="access rule %s active" % rule_id)


@contextlib.contextmanager
def manila_services(url, state, conf, command=on_host, api=None, host="lab-manila"):
    """db sync, then manila-share, -scheduler and -api on conf until the scheduler knows the share
    service's cephfs pool. command(script, *args) is the argv of a Manila console script where the
    services run; api, the argv of the API (default: manila-api). Yields a Manila."""
    sync = sh(*command("manila-manage", "--config-file", conf, "db", "sync"), timeout=300)
    assert sync.returncode == 0, sync.stdout[-2000:] + sync.stderr[-3000:]
    log = os.path.join(state, "manila-%s.out")
    manila = Manila(url)
    with contextlib.ExitStack() as stack:
        services = {}

        def start(script):
            """The service in an ExitStack of its own, which a restart closes first."""
            if script in services:
                services[script].close()
            else:
                services[script] = contextlib.ExitStack()
                stack.callback(services[script].close)
            services[script].enter_context(running(command(script, "--config-file", conf), log % script[7:],
                                                   lambda: True))
        start("manila-share")
        start("manila-scheduler")
        stack.enter_context(running(api or command("manila-api", "--config-file", conf), log % "api",
                                    answers(url + "/", HEADERS), timeout=180, what="manila-api"))

        def all_up():
            status, body = manila.request("GET", "/services")
            up = {s["binary"] for s in body.get("services", []) if s["state"] == "up"} if status == 200 else set()
            return up >= {"manila-scheduler", "manila-share"}

        # "up" is not enough: the scheduler places a share only on a pool it has heard the share
        # service report (every 60 s, by a fanout message).
        last_answer = []

        def pool_known():
            status, body = manila.request("GET", "/scheduler-stats/pools")
            last_answer[:] = [status, body]
            return status == 200 and host + "@cephfs#cephfs" in [p["name"] for p in body.get("pools", [])]

        def explain():
            return "last /scheduler-stats/pools answer: %r\n%s\n%s" % (
                last_answer,
                log_lines(log % "share", r"ERROR|WARNING|Traceback|AMQP|Notifying Schedulers"),
                log_lines(log % "scheduler", r"ERROR|WARNING|Traceback|AMQP|service update from|is down"))
        wait_for(all_up, timeout=120, what="manila services up", explain=lambda: log_tails(log, ("share", "scheduler")))
        try:
            wait_for(pool_known, timeout=90, what="the scheduler's report of %s's cephfs pool" % host)
        except AssertionError as first:
            # Seen on a loaded machine (Zed): both services up, the share service's reports not
            # reaching the scheduler, and a restarted scheduler not hearing them either. Both
            # services start again, on new connections to the bus; the log lines say what was seen.
            seen = explain()
            start("manila-scheduler")
            start("manila-share")
            wait_for(pool_known, timeout=150, what="%s's cephfs pool after both services restarted (before: %s\n%s)"
                     % (host, first, seen), explain=explain)
        yield manila


def log_tails(log, names, lines=40):
    """The last lines of each service's log, for a failure message."""
    tails = []
    for name in names:
        try:
            with open(log % name, errors="replace") as f:
                tail = f.read().splitlines()[-lines:]
        except OSError as e:
            tail = ["(%s)" % e]
        tails.append("--- manila-%s, last %d lines:\n%s" % (name, lines, "\n".join(tail)))
    return "\n".join(tails)


def assert_a_share_serves_only_its_client(manila, mount_and_write, host="lab-manila"):
    """Through the API: a share of the type docs/roles.md tells the operator to create becomes a
    subvolume with its quota; cephx access gives a key that mounts the share and writes, and is
    refused outside it; after deny the key no longer mounts; delete removes the subvolume.
    mount_and_write(auth_id, key, root) mounts root as that client and writes a file."""
    status, body = manila.request("POST", "/types", {"share_type": {"name": "cephfs", "extra_specs": {
        "driver_handles_share_servers": False, "share_backend_name": "cephfs"}}})
    assert status == 200, body
    status, body = manila.request("POST", "/shares", {"share": {
        "share_proto": "CEPHFS", "size": 1, "name": "api-share", "share_type": "cephfs"}})
    assert status == 200, body
    share = manila.wait_share(body["share"]["id"], "available")
    assert share["host"] == host + "@cephfs#cephfs"
    dummy, body = manila.request("GET", "/shares/%s/instances" % share["id"])
    subvolume = body["share_instances"][0]["id"]       # the driver names subvolumes after instances
    assert subvolume in [s["name"] for s in ceph_json("fs", "subvolume", "ls", "cephfs")]
    info = ceph_json("fs", "subvolume", "info", "cephfs", subvolume)
    assert info["bytes_quota"] == 1 << 30
    status, body = manila.request("GET", "/shares/%s/export_locations" % share["id"])
    path = body["export_locations"][0]["path"]
    assert path.endswith(":" + info["path"]), (path, info["path"])

    status, body = manila.request("POST", "/shares/%s/action" % share["id"], {"allow_access": {
        "access_type": "cephx", "access_to": "alice", "access_level": "rw"}})
    assert status == 200, body
    rule_id = body["access"]["id"]
    rule = manila.wait_rule_active(share["id"], rule_id)
    assert rule["access_key"]
    assert mount_and_write("alice", rule["access_key"], info["path"]) == {"mount": "ok", "write": "ok"}
    assert mount_and_write("alice", rule["access_key"], "/volumes")["mount"] in ("EPERM", "EACCES")

    status, body = manila.request("POST", "/shares/%s/action" % share["id"], {"deny_access": {"access_id": rule_id}})
    assert status == 202, body
    wait_for(lambda: not manila.request("GET", "/share-access-rules?share_id=" + share["id"])[1]["access_list"],
             timeout=60, what="access rule removed")
    assert mount_and_write("alice", rule["access_key"], info["path"])["mount"] in ("EPERM", "EACCES", "ENOENT")
    status, body = manila.request("DELETE", "/shares/" + share["id"])
    assert status == 202, body
    manila.wait_share(share["id"], None)
    assert subvolume not in [s["name"] for s in ceph_json("fs", "subvolume", "ls", "cephfs")]
    return rule["access_key"]

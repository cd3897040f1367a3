"""Running the real OpenStack services on the configs the roles wrote: shared by the service proofs."""
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from tests.integration.conftest import LAB, TOP, on_lab_host, sh

sys.path.insert(0, os.path.join(TOP, ".build", "collections"))
from ansible_collections.cephstack.cloud.plugins.module_utils.config_file import edit  # noqa: E402

HOSTS = os.path.join(LAB, "hosts")
STATE = os.path.join(LAB, "services")
GLANCE_PORT = 19292
CINDER_PORT = 18776
SERVICE_PY = "/usr/bin/python3"    # python3-rados/rbd and the OpenStack packages live here
SERVICES = os.path.join(TOP, "tests", "integration", "services")
SECRET_UUID = "457eb676-33da-42ec-9a8c-9293d545c337"


def host_etc(host, *path):
    return os.path.join(HOSTS, host, "etc", *path)


def add_options(path, options):
    """What another deployment tool would add to a service config: not our options."""
    with open(path) as f:
        lines = f.read().splitlines()
    lines, dummy = edit(lines, options)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def admin(*args):
    """A Ceph CLI (ceph, rbd, rados) as the lab's admin, where the lab is (here or in its container)."""
    return sh(*on_lab_host(args[0], "--conf", os.path.join(LAB, "ceph.conf"), *args[1:]))


def rbd_json(*args):
    out = admin("rbd", *args, "--format", "json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def assert_stored_in_rbd(image, fsid, rbd, pool="images"):
    """A Glance image stored in RBD as Glance's RBD store does it: the image in the store's pool,
    one protected snapshot named snap, and the rbd:// direct URL to it. ``rbd`` runs the rbd CLI
    with --format json where the lab is."""
    assert image["status"] == "active"
    assert image["direct_url"] == "rbd://%s/%s/%s/snap" % (fsid, pool, image["id"])
    assert image["id"] in rbd("ls", pool)
    assert [s["name"] for s in rbd("snap", "ls", "%s/%s" % (pool, image["id"]))] == ["snap"]
    assert rbd("info", "%s/%s@snap" % (pool, image["id"]))["protected"] == "true"


@contextlib.contextmanager
def running(argv, log_path, ready, timeout=90, what=None):
    """A service as a plain process in its own session until ready() is true; stopped by its
    process group (SIGTERM, then SIGKILL on a loaded machine)."""
    # root only: a service logging at debug level may write what a client was given (a share's key)
    log = os.fdopen(os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w")
    os.chmod(log_path, 0o600)       # a log left by an earlier run keeps its mode otherwise
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=STATE)
    try:
        deadline = time.monotonic() + timeout
        while not ready():
            assert proc.poll() is None, open(log_path).read()[-3000:]
            assert time.monotonic() < deadline, "%s not ready in %ds" % (what or argv[0], timeout)
            time.sleep(0.3)
        yield proc
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except ProcessLookupError:      # it ended by itself (the assertion above says why)
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=20)
        log.close()


def answers(url, headers=None):
    def ready():
        try:
            urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=2)
            return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False
    return ready


@contextlib.contextmanager
def running_glance_api(conf, port, log_path):
    """db_sync, then glance-api on conf until /healthcheck answers."""
    sync = sh("glance-manage", "--config-file", conf, "db_sync")
    assert sync.returncode == 0, sync.stderr[-2000:]
    url = "http://127.0.0.1:%d" % port
    with running(["glance-api", "--config-file", conf], log_path, answers(url + "/healthcheck")):
        yield url


def http(url, method, path, body=None, headers=None, timeout=60):
    """One JSON (or raw bytes) request; returns (status, decoded body). HTTP errors are returned."""
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    hdrs = {"Content-Type": "application/json" if isinstance(body, dict) else "application/octet-stream",
            "Accept": "application/json"}
    hdrs.update(headers or {})
    req = urllib.request.Request(url + path, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw, status, ctype = resp.read(), resp.status, resp.headers.get_content_type()
    except urllib.error.HTTPError as err:
        raw, status, ctype = err.read(), err.code, err.headers.get_content_type()
    return status, (json.loads(raw) if raw and ctype == "application/json" else raw)


def glance_request(url, method, path, body=None, headers=None):
    status, answer = http(url, method, path, body, headers)
    assert status < 400, (status, answer)
    return status, answer


def upload(url, name, data, store=None):
    status, image = glance_request(url, "POST", "/v2/images",
                                   {"name": name, "disk_format": "raw", "container_format": "bare"})
    assert status == 201
    headers = {"X-Image-Meta-Store": store} if store else {}
    status, dummy = glance_request(url, "PUT", "/v2/images/%s/file" % image["id"], data, headers)
    assert status == 204
    status, image = glance_request(url, "GET", "/v2/images/%s" % image["id"])
    return image


def upload_random(url, name, size=4 * 1024 * 1024):
    """An image of random bytes uploaded through url; the image with its data."""
    data = os.urandom(size)
    return dict(upload(url, name, data), data=data)


def service_script(name, *args, timeout=180):
    res = subprocess.run([SERVICE_PY, os.path.join(SERVICES, name)] + list(args), capture_output=True,
                         text=True, timeout=timeout, check=False)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-5000:]
    return json.loads(res.stdout.strip().splitlines()[-1])

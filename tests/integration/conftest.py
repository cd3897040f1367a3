"""Shared fixtures: a real Ceph lab and the host's libvirt lab, both started by the project's scripts.

CEPHSTACK_TEST_RELEASE=reef|tentacle runs the tests marked ``release`` against a lab of that Ceph
release instead of the host's Pacific: the lab runs in its release's container, and the modules,
the ceph CLI the tests read the cluster with, and the files they write all live in that container
(the lab directory is mounted at the same path on both sides).
"""
import hashlib
import json
import os
import re
import subprocess
import tempfile
import time

import pytest

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_commands import describe

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RELEASE = os.environ.get("CEPHSTACK_TEST_RELEASE", "pacific")
RELEASE_PORTS = {"pacific": ("3391", "6791"), "reef": ("3381", "6781"), "tentacle": ("3383", "6783")}
if RELEASE not in RELEASE_PORTS:
    raise ValueError("CEPHSTACK_TEST_RELEASE=%r: use one of %s" % (RELEASE, ", ".join(sorted(RELEASE_PORTS))))
LAB = os.environ.get("CEPHSTACK_TEST_LAB", "/var/tmp/cephstack-test-lab" if RELEASE == "pacific"
                     else "/var/tmp/cephstack-test-%s-lab" % RELEASE)
V2_PORT, V1_PORT = os.environ.get("CEPHSTACK_TEST_PORTS", ",".join(RELEASE_PORTS[RELEASE])).split(",")
# The container of a release lab (lab/ceph-lab names it after the release and the lab directory).
CONTAINER = None if RELEASE == "pacific" else \
    "cephstack-ceph-%s-%s" % (RELEASE, hashlib.sha256(LAB.encode()).hexdigest()[:8])
# The host the modules run on: this machine, or the release lab's container. There, LAB/python
# (made by lab/ceph-lab) runs each pipelined module in the container, on the release's own Python.
INVENTORY = os.path.join(LAB + "-inventory.yml")
TARGET_HOST = "localhost" if CONTAINER is None else "ceph-" + RELEASE
PYTHON = "/usr/bin/python3" if CONTAINER is None else os.path.join(LAB, "python")
# cephx keys of both types: aes (28 bytes, AQ...) and aes256k (44 bytes, Ag...)
KEY_RE = re.compile(r"AQ[A-Za-z0-9+/]{36}==|Ag[A-Za-z0-9+/]{57}=")
# One system-mode libvirtd per host: share the libvirt lab, stop it only if we started it.
LIBVIRT_LAB = os.environ.get("CEPHSTACK_LIBVIRT_LAB", "/var/tmp/cephstack-libvirt-lab")
# A Ganeti cluster of the tests' own, in namespaces of its own.
GANETI_LAB = os.environ.get("CEPHSTACK_TEST_GANETI_LAB", "/var/tmp/cephstack-test-ganeti-lab")
ENV = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(TOP, ".build", "collections"),
           ANSIBLE_CONFIG=os.path.join(TOP, "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")


def sh(*argv, **kw):
    kw.setdefault("env", ENV)
    return subprocess.run(argv, capture_output=True, text=True, cwd=TOP, check=False, **kw)


def playbook(*args, **kw):
    return sh("ansible-playbook", *args, **kw)


def on_lab_host(*argv):
    """argv as run where the modules run: here, or in the release lab's container."""
    return list(argv) if CONTAINER is None else ["podman", "exec", CONTAINER] + list(argv)


def ceph_cli(*args, lab=LAB, **kw):
    """The ceph CLI on a lab's conf and admin keyring, where the modules run. Labs other than LAB
    are the Pacific tests' own, on this machine."""
    return sh(*on_lab_host("ceph", "--conf", os.path.join(lab, "ceph.conf"), *args), **kw)


def ceph_json(*args, lab=LAB, allow_error=False):
    """A ceph command's JSON answer; None for an empty answer, or for an error if allow_error."""
    out = ceph_cli("--format", "json", *args, lab=lab)
    if out.returncode != 0 and allow_error:
        return None
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if out.stdout.strip() else None


def cli_words(line):
    """A ``commands`` line in the ceph tool's words: a librados line (``mon_command`` or
    ``mgr_command`` and the JSON sent) becomes what the CLI transport would report for it."""
    daemon, dummy, text = line.partition(" ")
    if daemon not in ("mon_command", "mgr_command"):
        return line
    command = json.loads(text)
    command.pop("format")
    return describe(command)


def run_marker():
    """An environment variable that the processes of one test's ansible runs inherit, so that
    detached_pythons() tells them from the processes of test streams running side by side."""
    return {"CEPHSTACK_TEST_RUN": "run-%d-%d" % (os.getpid(), time.monotonic_ns())}


def detached_pythons(before, marker):
    """Python processes started since `before` (a set of /proc entries) that still run detached,
    with init as parent, and carry `marker` (from run_marker()) in their environment: what a
    module of those runs leaves behind (a kept-open connection's helper forks twice and calls
    setsid). Other streams' detached processes (molecule's async podman tasks) lack the marker."""
    (name, value), = marker.items()
    wanted = ("%s=%s" % (name, value)).encode()
    found = []
    for pid in set(os.listdir("/proc")) - before:
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            exe = os.readlink("/proc/%s/exe" % pid)
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
            with open("/proc/%s/environ" % pid, "rb") as f:
                environ = f.read().split(b"\0")
        except OSError:
            continue            # gone meanwhile
        if ppid == 1 and os.path.basename(exe).startswith("python") and wanted in environ:
            found.append("%s %s" % (pid, argv))
    return found


def wait_for(probe, timeout=60, interval=0.5, what="condition", explain=None):
    """Poll probe() until it returns a true value, which is returned. A probe that times out or is
    refused (OSError, which covers socket and HTTP errors, or subprocess.TimeoutExpired) counts as
    not yet; when the time is up, the failure names what was awaited, the last such error, and
    what explain() says (a service's own log lines, say)."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = probe()
        except (OSError, subprocess.TimeoutExpired) as e:
            value, last_error = None, e
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %s s waiting for %s%s%s" % (
                timeout, what, "; last error: %r" % last_error if last_error else "",
                "\n" + explain() if explain else ""))
        time.sleep(interval)


def log_lines(path, pattern, last=20):
    """The last lines of a service's log that match pattern (a regular expression)."""
    try:
        with open(path, errors="replace") as f:
            found = [line.rstrip() for line in f if re.search(pattern, line)]
    except OSError as e:
        return "%s: %s" % (path, e)
    return "%s, last lines matching %s:\n%s" % (path, pattern, "\n".join(found[-last:]) or "(none)")


def ceph_reads(*commands):
    """Reads on one connection, with the lab's own Python: each a (mon|mgr, command dict);
    the answers' JSON, None for an error."""
    script = os.path.join(TOP, "tests", "integration", "ceph_read.py")
    python = ["/usr/bin/python3"] if CONTAINER is None else ["podman", "exec", "-i", CONTAINER, "/usr/bin/python3"]
    with open(script) as f:
        code = f.read()
    # librados waits for a manager without end: a crashed one fails the read here instead
    out = subprocess.run(python + ["-c", code, os.path.join(LAB, "ceph.conf")], input=json.dumps(commands),
                         capture_output=True, text=True, check=False, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


def pytest_collection_modifyitems(config, items):
    """On a release lab, only the tests marked ``release`` run."""
    if RELEASE == "pacific":
        return
    skip = pytest.mark.skip(reason="not part of the release matrix (CEPHSTACK_TEST_RELEASE=%s)" % RELEASE)
    for item in items:
        if "release" not in item.keywords:
            item.add_marker(skip)


MGR_RESTARTED = "ceph-lab: ceph-mgr exited"       # what lab/ceph-lab's respawn loop logs
reruns_after_a_mgr_crash = []


def mgr_restarts():
    """How often the lab's manager has died and been started again."""
    try:
        with open(os.path.join(LAB, "log", "mgr.x.out"), errors="replace") as f:
            return sum(MGR_RESTARTED in line for line in f)
    except OSError:
        return 0


def mgr_answers(seconds=30, last_error=None):
    """Whether the manager's volumes module answers within `seconds` (an error such as ENOENT is
    an answer). A hung manager still sends beacons and stays listed as active, but answers no
    module command. ``last_error``, a list, receives the command's error output."""
    try:
        out = ceph_cli("fs", "subvolume", "ls", "cephfs", timeout=seconds)
    except subprocess.TimeoutExpired:
        return False
    if last_error is not None:
        last_error[:] = [out.stderr.strip()[-500:]]
    return out.returncode == 0 or "ENOENT" in out.stderr


def kill_the_manager():
    """SIGKILL the release lab's ceph-mgr: lab/ceph-lab starts it again, as systemd would."""
    try:
        subprocess.run(["podman", "exec", CONTAINER, "sh", "-c", "kill -KILL $(pidof ceph-mgr)"],
                       capture_output=True, check=False, timeout=60)
    except subprocess.TimeoutExpired:
        pass


def wait_for_a_manager(hung=False):
    """True once a manager answers a command of its volumes module again. A manager that does not
    within 90 s, or one found hung, is restarted once, as an operator would, and given 150 s more.
    False if it still does not answer: then the test is not run again."""
    last = []
    if hung:
        kill_the_manager()
    for seconds in ((150,) if hung else (90, 150)):
        try:
            wait_for(lambda: mgr_answers(30, last), timeout=seconds, what="the restarted ceph-mgr", explain=lambda: "last error: %s\n%s" % (
                last, log_lines(os.path.join(LAB, "log", "mgr.x.out"), r"ceph-lab|Caught signal", last=5)))
            return True
        except AssertionError as e:
            failure = str(e)
            if seconds == 90:
                kill_the_manager()
    reruns_after_a_mgr_crash.append("    not run again: %s" % failure[:1500])
    return False


def forget_failed_fixtures(item):
    """Drop the fixtures whose setup failed, so that a rerun sets them up again (pytest keeps a
    fixture's error for every later test of its scope)."""
    for fixturedefs in item._fixtureinfo.name2fixturedefs.values():
        for fixturedef in fixturedefs:
            cached = getattr(fixturedef, "cached_result", None)
            if cached is not None and cached[2] is not None:
                fixturedef.cached_result = None


MGR_RESTARTS_BEFORE = pytest.StashKey[int]()
MGR_CRASHED_IN = pytest.StashKey[str]()
MGR_HUNG = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Note a setup or test body that failed while the lab's manager was restarted, or while it
    hung (checked before the teardown, which may stop the lab)."""
    report = yield
    if report.failed and call.when != "teardown" and MGR_RESTARTS_BEFORE in item.stash \
            and MGR_CRASHED_IN not in item.stash:
        crash = getattr(report.longrepr, "reprcrash", None)
        what = " ".join((getattr(crash, "message", None) or report.longreprtext.strip().splitlines()[-1]).split())[:300]
        crashes = mgr_restarts() - item.stash[MGR_RESTARTS_BEFORE]
        if crashes > 0:
            item.stash[MGR_CRASHED_IN] = "%s; ceph-mgr restarted %d time(s): %s" % (call.when, crashes, what)
        elif not mgr_answers():
            item.stash[MGR_CRASHED_IN] = "%s; ceph-mgr hung (no answer within 30 s), restarted: %s" % (call.when, what)
            item.stash[MGR_HUNG] = True
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    """On a release lab, a test that fails while the lab's ceph-mgr crashed or hung runs once more.
    Debian 13's ceph-mgr 18.2.7 segfaults now and then, or stops answering (docs/ceph-releases.md);
    lab/ceph-lab starts it again, as systemd would, and a hung one is killed first. Any other
    failure, or a second one, stands; every rerun is named in the summary."""
    if RELEASE == "pacific":
        return None
    from _pytest.runner import runtestprotocol
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    item.stash[MGR_RESTARTS_BEFORE] = mgr_restarts()
    reports = runtestprotocol(item, nextitem=nextitem, log=False)
    if MGR_CRASHED_IN in item.stash:
        reruns_after_a_mgr_crash.append("%s (%s)" % (item.nodeid, item.stash[MGR_CRASHED_IN]))
        del item.stash[MGR_CRASHED_IN]
        if wait_for_a_manager(hung=item.stash.get(MGR_HUNG, False)):
            forget_failed_fixtures(item)
            item.stash[MGR_RESTARTS_BEFORE] = mgr_restarts()
            item.stash[MGR_HUNG] = False
            item.stash[MGR_CRASHED_IN] = "run again"      # a second failure stands: not probed again
            reports = runtestprotocol(item, nextitem=nextitem, log=False)
    for report in reports:
        item.ihook.pytest_runtest_logreport(report=report)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


def pytest_terminal_summary(terminalreporter):
    if reruns_after_a_mgr_crash:
        terminalreporter.section("run again after a ceph-mgr crash or hang (known issue of the release)")
        for line in reruns_after_a_mgr_crash:
            terminalreporter.write_line(line)


def all_keys():
    """Every key the cluster holds now."""
    return [e["key"] for e in ceph_json("auth", "ls")["auth_dump"]]


@pytest.fixture(scope="session", autouse=True)
def lab(request):
    if not any("release" in item.keywords for item in request.session.items) and RELEASE != "pacific":
        yield LAB
        return
    lab_cmd = os.path.join(TOP, "lab", "ceph-lab")
    subprocess.run([lab_cmd, "stop", "--dir", LAB, "--purge"], check=True)
    if CONTAINER:   # its image first: built once, then cached (not part of the bring-up time)
        subprocess.run([os.path.join(TOP, "scripts", "ceph-release-image.sh"), RELEASE], check=True,
                       stdout=subprocess.DEVNULL)
    started = time.monotonic()
    subprocess.run([lab_cmd, "start", "--dir", LAB, "--release", RELEASE, "--v2-port", V2_PORT,
                    "--v1-port", V1_PORT], check=True)
    boot = time.monotonic() - started
    # a bound against a hang, not a benchmark (bench/ times the lab): the labs start beside the
    # other stream's image builds and labs
    assert boot < 180, "lab took %.1fs to be ready" % boot
    with open(INVENTORY, "w") as f:
        json.dump({"all": {"hosts": {TARGET_HOST: dict(ansible_connection="local", ansible_python_interpreter=PYTHON)}}}, f)
    yield LAB
    subprocess.run([lab_cmd, "stop", "--dir", LAB, "--purge"], check=True)
    os.unlink(INVENTORY)


def podman(*args, **kw):
    return subprocess.run(["podman"] + list(args), capture_output=True, text=True, check=False, **kw)


# On a release lab, the compute host is a container of its own, with the release's libvirtd and
# qemu (scripts/ceph-release-image.sh RELEASE --compute). Its libvirt lab's socket lives under the
# lab directory, which every side mounts at the same path.
# The type of key the release's monitors mint: aes (AQ...) up to Reef, aes256k (Ag...) on Tentacle
MINTED_TYPE = {"pacific": "AQ", "reef": "AQ", "tentacle": "Ag"}[RELEASE]
COMPUTE = (CONTAINER or "") + "-compute"
COMPUTE_LIBVIRT = os.path.join(LAB, "compute-libvirt")
COMPUTE_URI = "qemu:///system?socket=%s/run/libvirt-sock" % COMPUTE_LIBVIRT
COMPUTE_GANETI = os.path.join(LAB, "compute-ganeti")


@pytest.fixture(scope="session")
def compute_host():
    """The compute host's container, with libvirtd started by lab/libvirt-lab and a Ganeti node
    (lab/ganeti-lab); the Pythons Ansible uses there. Kept for the session: site.yml configures it
    and the release's Nova then boots on it. Only the tests of a release lab ask for it."""
    image = subprocess.run([os.path.join(TOP, "scripts", "ceph-release-image.sh"), RELEASE, "--compute"],
                           capture_output=True, text=True, check=True).stdout.strip()
    podman("rm", "-f", COMPUTE)
    # libvirtd starts qemu guests: it needs a host's device and namespace rights
    started = podman("run", "-d", "--name", COMPUTE, "--init", "--network", "host", "--runtime", "runc",
                     "--privileged", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096",
                     "-v", os.path.join(TOP, "lab") + ":/opt/cephstack-lab:ro", "-v", "%s:%s" % (LAB, LAB),
                     image, "sleep", "infinity")
    assert started.returncode == 0, started.stderr
    try:
        libvirt = podman("exec", COMPUTE, "/opt/cephstack-lab/libvirt-lab", "start", "--dir", COMPUTE_LIBVIRT)
        assert libvirt.returncode == 0, libvirt.stderr
        ganeti = podman("exec", COMPUTE, "/opt/cephstack-lab/ganeti-lab", "start", "--dir", COMPUTE_GANETI)
        assert ganeti.returncode == 0, ganeti.stderr
        # the container's Python, and the one ganeti-lab wrote that enters the Ganeti node's namespaces
        pythons = {}
        for name, inside in (("compute-python", "/usr/bin/python3"),
                             ("ganeti-python", os.path.join(COMPUTE_GANETI, "python3"))):
            pythons[name] = os.path.join(LAB, name)
            with open(pythons[name], "w") as f:
                f.write('#!/bin/sh\nexec podman exec -i %s %s "$@"\n' % (COMPUTE, inside))
            os.chmod(pythons[name], 0o755)
        yield pythons
    finally:
        podman("exec", COMPUTE, "/opt/cephstack-lab/ganeti-lab", "stop", "--dir", COMPUTE_GANETI, "--purge")
        podman("rm", "-f", "-t", "5", COMPUTE)


@pytest.fixture
def workdir(tmp_path):
    """A directory the modules and the test both see (under the lab directory for a release lab)."""
    if CONTAINER is None:
        return str(tmp_path)
    path = os.path.join(LAB, "work", tmp_path.name)
    os.makedirs(path)
    return path


@pytest.fixture(scope="session")
def libvirt_uri():
    lab_cmd = os.path.join(TOP, "lab", "libvirt-lab")
    pidfile = os.path.join(LIBVIRT_LAB, "libvirtd.pid")
    was_running = os.path.exists(pidfile) and subprocess.run(
        ["kill", "-0", open(pidfile).read().strip()], check=False, capture_output=True).returncode == 0
    uri = subprocess.run([lab_cmd, "start", "--dir", LIBVIRT_LAB], check=True, capture_output=True,
                         text=True).stdout.strip()
    yield uri
    if not was_running:
        subprocess.run([lab_cmd, "stop", "--dir", LIBVIRT_LAB], check=True)


SITE_ARGS = ("-i", "playbooks/inventory/lab.yml", "playbooks/site.yml", "-e", "cephstack_lab_dir=" + LAB,
             "-e", "cephstack_libvirt_lab_dir=" + LIBVIRT_LAB, "-e", "cephstack_ganeti_lab_dir=" + GANETI_LAB)


@pytest.fixture(scope="session")
def ganeti_lab():
    lab_cmd = os.path.join(TOP, "lab", "ganeti-lab")
    subprocess.run([lab_cmd, "stop", "--dir", GANETI_LAB, "--purge"], check=True, capture_output=True)
    subprocess.run([lab_cmd, "start", "--dir", GANETI_LAB], check=True, capture_output=True)
    yield GANETI_LAB
    subprocess.run([lab_cmd, "stop", "--dir", GANETI_LAB, "--purge"], check=True, capture_output=True)


@pytest.fixture(scope="session")
def site(libvirt_uri, ganeti_lab):
    """site.yml converged on the test lab (the first run's output)."""
    res = playbook(*SITE_ARGS)
    assert res.returncode == 0, res.stdout[-5000:]
    return res


def write_dead_cluster_conf(path):
    """A ceph.conf whose monitor nobody listens on: an unreachable cluster."""
    with open(path, "w") as f:
        f.write("[global]\nmon host = 127.0.0.1:1\nkeyring = %s/ceph.client.admin.keyring\n" % LAB)


def run_module(module, args, check=False, interpreter=None, expect_failure=False, env=None):
    """One module run in a one-task play on the lab's host; returns its registered result, diff included.
    env: extra environment for ansible-playbook, which its modules inherit."""
    with tempfile.TemporaryDirectory() as tmp:
        out_file = os.path.join(tmp, "result.json")
        play = [dict(hosts=TARGET_HOST, gather_facts=False,
                     vars=dict(ansible_python_interpreter=interpreter or PYTHON, ansible_pipelining=True),
                     tasks=[{"cephstack.cloud." + module: args, "register": "r", "check_mode": check,
                             "diff": True, "ignore_errors": True},
                            {"ansible.builtin.copy": dict(content="{{ r | to_json }}", dest=out_file),
                             "check_mode": False, "delegate_to": "localhost",
                             "vars": {"ansible_python_interpreter": "/usr/bin/python3"}}])]
        with open(os.path.join(tmp, "play.yml"), "w") as f:
            json.dump(play, f)
        out = subprocess.run(["ansible-playbook", "-i", INVENTORY, os.path.join(tmp, "play.yml")],
                             capture_output=True, text=True, cwd=TOP, env=dict(ENV, **(env or {})), check=False)
        try:
            with open(out_file) as f:
                result = json.load(f)
        except (OSError, ValueError):
            raise AssertionError(out.stdout[-3000:] + out.stderr[-3000:])
    assert bool(result.get("failed")) == expect_failure, result.get("msg")
    return result


# One broker per release stream: the streams run side by side on the host network.
RABBITMQ_LAB = os.environ.get("CEPHSTACK_TEST_RABBITMQ_LAB", "/var/tmp/cephstack-test-rabbitmq-lab"
                              if RELEASE == "pacific" else LAB + "-rabbitmq")
RABBITMQ_PORT = {"pacific": "5692", "reef": "5694", "tentacle": "5696"}[RELEASE]


@pytest.fixture(scope="session")
def rabbitmq():
    """A broker of the tests' own for the Cinder and Manila services; its transport_url."""
    lab_cmd = os.path.join(TOP, "lab", "rabbitmq-lab")
    args = ["--dir", RABBITMQ_LAB, "--port", RABBITMQ_PORT]
    subprocess.run([lab_cmd, "stop", "--purge"] + args, check=True, capture_output=True)
    url = subprocess.run([lab_cmd, "start"] + args, check=True, capture_output=True, text=True).stdout.strip()
    yield url
    subprocess.run([lab_cmd, "stop", "--purge"] + args, check=True, capture_output=True)


@pytest.fixture(scope="session")
def service_configs(site, rabbitmq, mariadb, libvirt_uri):
    """Complete the service configs with options the roles do not own (what the operator's other
    tooling writes: listeners, databases, the message bus, Glance's address), then show that
    re-running site.yml leaves them alone and changes nothing."""
    from tests.integration import service_helpers as svc
    state = svc.STATE
    os.makedirs(state, exist_ok=True)
    glance_conf = svc.host_etc("lab-glance", "glance", "glance-api.conf")
    svc.add_options(glance_conf, {
        "DEFAULT": {"bind_host": "127.0.0.1", "bind_port": svc.GLANCE_PORT, "workers": 1,
                    "log_file": os.path.join(state, "glance-api.log")},
        "database": {"connection": "sqlite:///%s/glance.sqlite" % state},
        "paste_deploy": {"config_file": "/etc/glance/glance-api-paste.ini"},
    })
    glance_url = "http://127.0.0.1:%d" % svc.GLANCE_PORT
    from tests.integration.cinder_helpers import service_options
    cinder_database = mariadb("cinder")
    for host in ("lab-cinder", "lab-backup"):
        svc.add_options(svc.host_etc(host, "cinder", "cinder.conf"),
                        service_options(host, state, rabbitmq, cinder_database, svc.CINDER_PORT, glance_url))
    svc.add_options(svc.host_etc("lab-compute", "nova", "nova.conf"), {
        "DEFAULT": {"state_path": os.path.join(state, "nova"),
                    "instances_path": os.path.join(state, "nova", "instances")},
        "libvirt": {"connection_uri": libvirt_uri},
        "glance": {"endpoint_override": glance_url},
        "oslo_concurrency": {"lock_path": state},
    })
    again = playbook(*SITE_ARGS)
    assert again.returncode == 0, again.stdout[-3000:]
    changed = [l for l in again.stdout.splitlines() if " changed=" in l and " changed=0 " not in l]
    assert not changed, changed
    text = open(glance_conf).read()
    assert "bind_port = %d" % svc.GLANCE_PORT in text and "rbd_store_pool = images" in text
    return dict(state=state, glance=glance_conf, glance_url=glance_url,
                cinder=svc.host_etc("lab-cinder", "cinder", "cinder.conf"),
                backup=svc.host_etc("lab-backup", "cinder", "cinder.conf"),
                nova=svc.host_etc("lab-compute", "nova", "nova.conf"))


@pytest.fixture(scope="session")
def glance_api(service_configs):
    from tests.integration import service_helpers as svc
    log = os.path.join(service_configs["state"], "glance-api.out")
    with svc.running_glance_api(service_configs["glance"], svc.GLANCE_PORT, log) as url:
        yield url


MARIADB_LAB = os.environ.get("CEPHSTACK_TEST_MARIADB_LAB", "/var/tmp/cephstack-test-mariadb-lab"
                             if RELEASE == "pacific" else LAB + "-mariadb")
MARIADB_PORT = {"pacific": "3326", "reef": "3324", "tentacle": "3328"}[RELEASE]


@pytest.fixture(scope="session")
def mariadb():
    """A MariaDB server of the tests' own; yields a function that (re)creates a utf8 database
    and returns its SQLAlchemy URL."""
    lab_cmd = os.path.join(TOP, "lab", "mariadb-lab")
    args = ["--dir", MARIADB_LAB, "--port", MARIADB_PORT]
    subprocess.run([lab_cmd, "stop", "--purge"] + args, check=True, capture_output=True)
    subprocess.run([lab_cmd, "start"] + args, check=True, capture_output=True)

    def database(name):
        return subprocess.run([lab_cmd, "db", name] + args, check=True, capture_output=True,
                              text=True).stdout.strip()
    yield database
    subprocess.run([lab_cmd, "stop", "--purge"] + args, check=True, capture_output=True)

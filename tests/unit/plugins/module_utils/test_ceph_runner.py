import errno
import json

import pytest

from ansible_collections.cephstack.cloud.plugins.module_utils import ceph_cli, ceph_commands as c, ceph_errors as errors, ceph_runner as r
from tests.unit.helpers import FakeAnsibleModule, RecordedTransport, fixture


@pytest.mark.parametrize("command, argv", [
    ({"prefix": "osd pool set", "pool": "images", "var": "size", "val": "2"},
     ["osd", "pool", "set", "--pool", "images", "--val", "2", "--var", "size"]),
    ({"prefix": "osd pool rm", "pool": "x", "pool2": "x", "yes_i_really_really_mean_it": True},
     ["osd", "pool", "rm", "--pool", "x", "--pool2", "x", "--yes_i_really_really_mean_it"]),
    ({"prefix": "auth caps", "entity": "client.a", "caps": ["mon", "profile rbd"], "format": "json"},
     ["auth", "caps", "--entity", "client.a", "mon", "profile rbd"]),
    ({"prefix": "auth get-or-create", "entity": "client.a", "caps": ["osd", "profile rbd pool=a, profile rbd pool=b"]},
     ["auth", "get-or-create", "--entity", "client.a", "osd", "profile rbd pool=a, profile rbd pool=b"]),
    ({"prefix": "osd pool create", "pool": "p", "pg_num": None, "bulk": False},
     ["osd", "pool", "create", "--pool", "p"]),
])
def test_command_to_argv(command, argv):
    assert c.command_to_argv(command) == argv


def test_an_argument_the_ceph_tool_would_take_goes_positionally():
    # '--name X' is the ceph tool's client name: 'fs volume create --name X' failed with -22
    assert c.command_to_argv({"prefix": "fs volume create", "name": "cm-fs"}) == ["fs", "volume", "create", "cm-fs"]
    assert c.describe({"prefix": "fs volume create", "name": "cm-fs"}) == "ceph fs volume create cm-fs"


def test_a_clashing_argument_without_a_known_order_is_refused():
    with pytest.raises(ValueError) as e:
        c.command_to_argv({"prefix": "config set", "who": "mon", "name": "x", "value": "1"})
    assert "config set: argument name" in str(e.value)


@pytest.mark.parametrize("name", ["name", "id", "user", "cluster", "conf", "status", "period", "block",
                                  "c", "set", "ver", "watch_channel", "connect_timeout", "in_file"])
def test_names_the_ceph_tool_takes(name):
    assert c.collides_with_cli(name)


@pytest.mark.parametrize("name", ["pool", "pool2", "entity", "caps", "size", "key_type", "vol_name", "sub_name",
                                  "group_name", "var", "val", "detail", "auth_id", "access_level", "pg_num",
                                  "yes_i_really_really_mean_it", "snap_name", "pool_layout", "mode", "app"])
def test_names_the_ceph_tool_leaves_to_the_command(name):
    assert not c.collides_with_cli(name)


def test_describe_redacts_secret_args():
    text = c.describe({"prefix": "osd new", "cephx_secret": "AQSECRET=="})
    assert "AQSECRET" not in text and "<redacted>" in text


@pytest.mark.parametrize("case, code", [
    ("auth_get_missing", errno.ENOENT),
    ("auth_caps_malformed", errno.EINVAL),
    ("pool_set_missing", errno.ENOENT),
    ("unreachable", errno.ETIMEDOUT),
])
def test_cli_errno_from_recorded_stderr(case, code):
    recorded = fixture("cli_errors.json")[case]
    assert ceph_cli._cli_errno(recorded["rc"], recorded["stderr"]) == code


@pytest.mark.parametrize("code, exc", [
    (errno.ENOENT, errors.CephNotFound), (errno.EPERM, errors.CephPermissionDenied),
    (errno.EACCES, errors.CephPermissionDenied), (errno.EINVAL, errors.CephInvalid),
    (errno.ETIMEDOUT, errors.CephTimeout), (errno.EEXIST, errors.CephExists), (errno.EIO, errors.CephError),
])
def test_error_mapping(code, exc):
    err = errors.error_for(-code, "boom")
    assert err.__class__ is exc and err.rc == code


class FakeRun(object):
    def __init__(self, rc=0, out=b"", err=b""):
        self.calls = []
        self.answer = (rc, out, err)

    def __call__(self, argv, data=None, **kwargs):
        self.calls.append((argv, data, kwargs))
        return self.answer


def cli(run):
    conn = r.Connection(conf="/etc/ceph/x.conf", keyring="/k", connect_timeout=7)
    return ceph_cli.CliTransport(conn, FakeAnsibleModule(run))


def test_cli_transport_builds_argv_with_timeout_and_json():
    run = FakeRun(out=json.dumps(fixture("mon_dump.json")).encode())
    runner = r.CephRunner(cli(run))
    dump = runner.mon("mon dump")
    assert dump["fsid"] == fixture("mon_dump.json")["fsid"]
    argv, data, kwargs = run.calls[0]
    assert argv[:4] == ["/usr/bin/timeout", "-k", "2", "12"]
    assert argv[4] == "/usr/bin/ceph"
    assert ["--connect-timeout", "7"] == argv[argv.index("--connect-timeout"):argv.index("--connect-timeout") + 2]
    assert argv[-4:] == ["mon", "dump", "--format", "json"]
    assert kwargs["environ_update"]["LC_ALL"] == "C"
    assert data is None


def test_cli_transport_sends_inbuf_on_stdin_not_argv():
    run = FakeRun()
    runner = r.CephRunner(cli(run))
    secret = b"[client.x]\n\tkey = AQAeoAFrtG3cFRAA0+fnE1OFO/TA3lPa7zBxEg==\n"
    runner.write("auth import", inbuf=secret)
    argv, data, kwargs = run.calls[0]
    assert data == secret and kwargs["binary_data"]
    assert "-i" in argv and argv[argv.index("-i") + 1] == "-"
    assert not any("AQAe" in a for a in argv)
    assert runner.commands == ["ceph auth import"]


def test_cli_transport_maps_recorded_errors():
    rec = fixture("cli_errors.json")["auth_get_missing"]
    runner = r.CephRunner(cli(FakeRun(rec["rc"], rec["stdout"].encode(), rec["stderr"].encode())))
    assert runner.get("auth get", entity="client.nope") is None
    rec = fixture("cli_errors.json")["auth_caps_malformed"]
    runner = r.CephRunner(cli(FakeRun(rec["rc"], rec["stdout"].encode(), rec["stderr"].encode())))
    with pytest.raises(errors.CephInvalid) as e:
        runner.write("auth caps", entity="client.glance", caps=["mon", "bogus"])
    assert "capability parse failed" in str(e.value)


def test_runner_counts_calls_and_records_only_writes():
    t = RecordedTransport({"osd pool ls": fixture("osd_pool_ls_detail.json")})
    runner = r.CephRunner(t)
    runner.mon("osd pool ls", detail="detail")
    runner.write("osd pool set", pool="images", var="size", val="2")
    assert runner.call_count == 2
    assert runner.commands == ["ceph osd pool set --pool images --val 2 --var size"]
    assert t.sent[0][0] == {"prefix": "osd pool ls", "detail": "detail", "format": "json"}


def test_confirmation_string_becomes_a_bare_flag_on_the_cli():
    """`fs volume rm` takes its confirmation as a string argument named like the flag."""
    argv = c.command_to_argv({"prefix": "fs volume rm", "vol_name": "cephfs",
                              "yes-i-really-mean-it": "--yes-i-really-mean-it"})
    assert argv == ["fs", "volume", "rm", "--vol_name", "cephfs", "--yes-i-really-mean-it"]


def test_cephadm_transport_runs_the_tools_in_cephadm_shell():
    """The files go to cephadm shell, which mounts them where the tools look; the tools get the
    rest of the connection; stdin passes through (recorded: cephadm 16.2.15 with a Tentacle image)."""
    run = FakeRun(out=json.dumps(fixture("mon_dump.json")).encode())
    conn = r.Connection(conf="/etc/ceph/minimal.conf", keyring="/k", connect_timeout=7,
                        cephadm_image="localhost/cephstack-ceph:tentacle")
    runner = r.CephRunner(ceph_cli.CephadmTransport(conn, FakeAnsibleModule(run)))
    assert runner.mon("mon dump")["fsid"] == fixture("mon_dump.json")["fsid"]
    runner.write("auth import", inbuf=b"[client.x]\n\tkey = AgCZfQ9rtI6qACAAnXO/7uInLFjCrHMCjeuckMz0eWvIPG0cXTZecYTMC8U=\n")
    argv, data, kwargs = run.calls[0]
    assert argv[:5] == ["/usr/bin/timeout", "-k", "2", "42", "/usr/bin/cephadm"]
    shell = argv[5:argv.index("--") + 1]
    assert shell == ["--image", "localhost/cephstack-ceph:tentacle", "shell", "--config", "/etc/ceph/minimal.conf",
                     "--keyring", "/k", "--"]
    tool = argv[argv.index("--") + 1:]
    assert tool[0] == "ceph" and "--conf" not in tool and "--keyring" not in tool
    assert tool[-4:] == ["mon", "dump", "--format", "json"] and ["--connect-timeout", "7"] == tool[5:7]
    argv, data, kwargs = run.calls[1]
    assert data.startswith(b"[client.x]") and not any("AgCZ" in a for a in argv)
    assert runner.transport.name == "cephadm"


class MgrDownTransport(object):
    """The monitors answer; the manager does not (its command times out), as with ceph-mgr stopped."""
    name = "recorded"

    def __init__(self, stat):
        self.stat = stat

    def mon_command(self, command, inbuf=b""):
        if self.stat is None:
            return errno.ETIMEDOUT, "", "timed out"
        return 0, json.dumps(self.stat), ""

    def mgr_command(self, command, inbuf=b""):
        return errno.ETIMEDOUT, "", "cannot connect to Ceph cluster 'ceph' within 10 s: timed out"


def test_a_stopped_manager_is_named_as_such():
    # mgr stat recorded from a Pacific lab 30 s after its ceph-mgr stopped, and right after
    runner = r.CephRunner(MgrDownTransport({"epoch": 4, "available": False, "active_name": "", "num_standby": 0}))
    with pytest.raises(errors.CephTimeout) as e:
        runner.mgr("nfs cluster ls")
    assert "the monitors answer, but no ceph-mgr is active (mgr stat: available=false, 0 standby)" in str(e.value)
    assert e.value.rc == errno.ETIMEDOUT
    runner = r.CephRunner(MgrDownTransport({"epoch": 3, "available": True, "active_name": "x", "num_standby": 0}))
    with pytest.raises(errors.CephTimeout) as e:
        runner.mgr("nfs cluster ls")
    assert "the monitors answer and list ceph-mgr x as active, but it did not answer" in str(e.value)


def test_a_timeout_of_the_monitors_too_stays_a_timeout():
    runner = r.CephRunner(MgrDownTransport(None))
    with pytest.raises(errors.CephTimeout) as e:
        runner.mgr("nfs cluster ls")
    assert "ceph-mgr" not in str(e.value) and "timed out" in str(e.value)

"""The OpenStack release of a host's service: from the versions that Debian's packages of each
suite carry (dpkg-query's output, recorded), or from a release that the operator gives."""
import pytest

from ansible_collections.cephstack.cloud.plugins.module_utils import openstack_release as releases
from ansible_collections.cephstack.cloud.plugins.modules import openstack_release_info
from ansible_collections.cephstack.cloud.plugins.modules.openstack_release_info import OpenstackReleaseInfo
from tests.unit.helpers import run_module

# dpkg-query -W -f '${Version}' python3-<service>, per Debian suite
DEBIAN = {
    "2022.2": {"glance": "2:25.1.0-2+deb12u5", "cinder": "2:21.3.1-1~deb12u1", "nova": "2:26.2.2-1~deb12u5",
               "manila": "1:15.1.0-2"},                                   # bookworm
    "2025.1": {"glance": "2:30.0.0-3+deb13u5", "cinder": "2:26.0.0-2", "nova": "2:31.0.0-6+deb13u3",
               "manila": "1:20.0.0-3+deb13u2"},                           # trixie
    "2026.1": {"cinder": "2:28.0.0-1", "nova": "2:33.0.2-1", "manila": "1:22.0.1-1"},   # forky
    "2026.2": {"glance": "2:33.0.0-6", "cinder": "2:29.0.0-3", "nova": "2:34.0.0-4",
               "manila": "1:23.0.0-4"},                                   # sid
}


@pytest.mark.parametrize("release,service,version",
                         [(r, s, v) for r, by in sorted(DEBIAN.items()) for s, v in sorted(by.items())])
def test_each_suites_packages_map_to_their_release(release, service, version):
    assert releases.from_version(service, version) == release


@pytest.mark.parametrize("given,number", [("2025.1", "2025.1"), ("Epoxy", "2025.1"), (" zed ", "2022.2"),
                                          ("hibiscus", "2026.2"), ("2020.1", "2020.1")])
def test_a_release_given_by_number_or_name(given, number):
    assert releases.normalise(given) == number


@pytest.mark.parametrize("given", ["2025.3", "2019.2", "flamingos", "", "25.1"])
def test_an_unknown_release_names_the_valid_ones(given):
    with pytest.raises(releases.UnknownRelease) as e:
        releases.normalise(given)
    assert "2020.1 to 2026.2" in str(e.value) and "epoxy" in str(e.value)


def test_a_version_outside_the_known_releases():
    with pytest.raises(releases.UnknownRelease, match="glance 40.0.0 is outside"):
        releases.from_version("glance", "40.0.0")


def test_release_order():
    assert releases.at_least("2025.2", "2025.2") and releases.at_least("2026.1", "2025.2")
    assert not releases.at_least("2025.1", "2025.2")


class FakeDpkg(object):
    """run_command of a host whose Python does not see the service, with Debian's dpkg-query."""

    def __init__(self, installed):
        self.installed = installed
        self.argvs = []

    def __call__(self, argv, **kw):
        self.argvs.append(argv)
        if argv[4].endswith("dpkg-query") and argv[-1] in self.installed:   # timeout -k 2 30 TOOL ...
            return 0, self.installed[argv[-1]], ""
        return 1, "", "dpkg-query: no packages found matching %s\n" % argv[-1]


def run(capsys, monkeypatch, args, installed=None):
    dpkg = FakeDpkg(installed or {})
    monkeypatch.setattr(openstack_release_info, "python_version", lambda name: None)
    monkeypatch.setattr("ansible.module_utils.basic.AnsibleModule.run_command",
                        lambda self, argv, **kw: dpkg(argv, **kw))
    monkeypatch.setattr("ansible.module_utils.basic.AnsibleModule.get_bin_path",
                        lambda self, name, *a, **kw: "/usr/bin/" + name)
    failed, res = run_module(OpenstackReleaseInfo, args, None, capsys)
    return failed, res, dpkg.argvs


def test_auto_reads_the_debian_package(capsys, monkeypatch):
    failed, res, argvs = run(capsys, monkeypatch, dict(service="nova"), {"python3-nova": "2:34.0.0-4"})
    assert not failed and res["changed"] is False and res["commands"] == []
    assert (res["release"], res["series"], res["version"], res["source"]) == ("2026.2", "hibiscus", "2:34.0.0-4", "dpkg")
    assert argvs == [["/usr/bin/timeout", "-k", "2", "30", "/usr/bin/dpkg-query", "-W", "-f", "${Version}", "python3-nova"]]


def test_auto_prefers_the_python_distribution(capsys, monkeypatch):
    monkeypatch.setattr("ansible.module_utils.basic.AnsibleModule.run_command",
                        lambda self, argv, **kw: pytest.fail("no package query when Python knows the version"))
    monkeypatch.setattr(openstack_release_info, "python_version", {"glance": "30.0.0"}.get)
    failed, res = run_module(OpenstackReleaseInfo, dict(service="glance"), None, capsys)
    assert not failed and (res["release"], res["source"]) == ("2025.1", "python")


def test_a_given_release_reads_nothing(capsys, monkeypatch):
    failed, res, argvs = run(capsys, monkeypatch, dict(service="cinder", release="Epoxy"))
    assert not failed and (res["release"], res["source"], res["version"]) == ("2025.1", "given", None)
    assert argvs == []


def test_nothing_installed_asks_for_the_variable(capsys, monkeypatch):
    failed, res, dummy = run(capsys, monkeypatch, dict(service="manila"))
    assert failed
    assert "manila is not installed" in res["msg"] and "cephstack_openstack_release" in res["msg"]
    assert "python3-manila" in res["msg"] and "2020.1 to 2026.2" in res["msg"]


def test_a_bad_release_names_the_option(capsys, monkeypatch):
    failed, res, dummy = run(capsys, monkeypatch, dict(service="glance", release="2025.3"))
    assert failed and res["msg"].startswith("release: '2025.3' is not an OpenStack release")
    assert res["msg"].endswith(", or auto")

"""The release metadata agrees with itself: galaxy.yml's version is a release of the changelog, and
every version_added in the plugins, doc fragments and role argument specs names a release that
the changelog has."""
import os
import re

import yaml

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VERSION_ADDED = re.compile(r"^\s*version_added:\s*['\"]?([^'\"\s#]+)", re.M)


def releases():
    with open(os.path.join(TOP, "changelogs", "changelog.yaml")) as f:
        return set((yaml.safe_load(f).get("releases") or {}).keys())


def documented_files():
    for folder in ("plugins", "roles"):
        for root, dummy, files in os.walk(os.path.join(TOP, folder)):
            for name in files:
                if name.endswith((".py", ".yml", ".yaml")):
                    yield os.path.join(root, name)


def test_galaxy_version_is_a_release_of_the_changelog():
    with open(os.path.join(TOP, "galaxy.yml")) as f:
        assert yaml.safe_load(f)["version"] in releases()


def test_every_version_added_names_a_release_of_the_changelog():
    known = releases()
    found = {}
    for path in documented_files():
        with open(path) as f:
            for version in VERSION_ADDED.findall(f.read()):
                found.setdefault(version, []).append(os.path.relpath(path, TOP))
    assert found, "no version_added found: the scan is broken"
    assert dict((v, paths) for v, paths in found.items() if v not in known) == {}

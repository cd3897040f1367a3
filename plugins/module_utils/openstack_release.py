# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenStack releases: their numbers and names, and the release of an installed service.

A release is written as its number, "2025.1"; its series name ("epoxy") is accepted as input.
Each service's major version moves by one per release, so one known pair per service maps a
version to its release: glance 25, nova 26, cinder 21 and manila 15 are Zed (2022.2).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

SERIES = [
    ("2020.1", "ussuri"), ("2020.2", "victoria"), ("2021.1", "wallaby"), ("2021.2", "xena"),
    ("2022.1", "yoga"), ("2022.2", "zed"), ("2023.1", "antelope"), ("2023.2", "bobcat"),
    ("2024.1", "caracal"), ("2024.2", "dalmatian"), ("2025.1", "epoxy"), ("2025.2", "flamingo"),
    ("2026.1", "gazpacho"), ("2026.2", "hibiscus"),
]
NUMBERS = [number for number, dummy in SERIES]
NAMES = dict(SERIES)

# The service's major version in Zed, the release at index ZED of SERIES
ZED = NUMBERS.index("2022.2")
ZED_MAJOR = {"glance": 25, "nova": 26, "cinder": 21, "manila": 15}

# Where each service's version is read: its Python distribution, then its package
DISTRIBUTION = {"glance": "glance", "nova": "nova", "cinder": "cinder", "manila": "manila"}
DEB_PACKAGE = {"glance": "python3-glance", "nova": "python3-nova", "cinder": "python3-cinder",
               "manila": "python3-manila"}
RPM_PACKAGE = {"glance": "openstack-glance", "nova": "openstack-nova-common",
               "cinder": "openstack-cinder", "manila": "openstack-manila"}

VALID = "a release number from %s to %s, or its series name (%s)" % (
    NUMBERS[0], NUMBERS[-1], ", ".join(name for dummy, name in SERIES))


class UnknownRelease(ValueError):
    pass


def normalise(release):
    """'2025.1', 'Epoxy' or 'epoxy' -> '2025.1'; UnknownRelease for anything else."""
    text = str(release).strip().lower()
    if text in NAMES:
        return text
    for number, name in SERIES:
        if text == name:
            return number
    raise UnknownRelease("%r is not an OpenStack release: give %s" % (release, VALID))


def upstream_version(package_version):
    """'2:30.0.0-2' (Debian, with epoch and revision) or '30.0.0' -> '30.0.0'."""
    version = package_version.split(":", 1)[-1]
    return re.split(r"[-~+]", version, maxsplit=1)[0]


def from_version(service, version):
    """The release of a service's version: from_version('glance', '30.0.0') -> '2025.1'."""
    match = re.match(r"(\d+)\.", upstream_version(version) + ".")
    if not match:
        raise UnknownRelease("%s version %r has no major number" % (service, version))
    index = ZED + int(match.group(1)) - ZED_MAJOR[service]
    if not 0 <= index < len(NUMBERS):
        raise UnknownRelease("%s %s is outside the releases this collection knows (%s to %s)"
                             % (service, version, NUMBERS[0], NUMBERS[-1]))
    return NUMBERS[index]


def at_least(release, other):
    """True when ``release`` is ``other`` or newer (both release numbers)."""
    return NUMBERS.index(release) >= NUMBERS.index(other)

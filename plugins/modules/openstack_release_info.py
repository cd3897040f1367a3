#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: openstack_release_info
short_description: The OpenStack release of a service on a host, read from what is installed or given
version_added: 1.0.0
description:
  - Returns the release (V(2025.1), say) that the host's Glance, Cinder, Nova or Manila belongs to,
    so that a role writes the options of that release.
  - With O(release=auto), reads the version of the service's Python distribution in the module's
    interpreter, then the Debian package (C(python3-<service>)), then the RPM package. Each service's
    major version maps to one release (Glance 25, Nova 26, Cinder 21 and Manila 15 are Zed, 2022.2).
  - With a release given, checks and normalises it and reads nothing. Give it where the service
    runs in containers or a virtualenv that the host's interpreter does not see.
  - Changes nothing.
author:
  - cephstack.cloud contributors (@cephstack)
extends_documentation_fragment:
  - cephstack.cloud.attributes
options:
  service:
    description: The service whose release is wanted.
    type: str
    required: true
    choices: [glance, cinder, nova, manila]
  release:
    description:
      - V(auto) reads the installed service.
      - Otherwise a release number from V(2020.1) to V(2026.2), or its series name (V(zed), V(epoxy)).
    type: str
    default: auto
'''

EXAMPLES = r'''
- name: Find the release of this host's Glance
  cephstack.cloud.openstack_release_info:
    service: glance
  register: glance_release

- name: A release that the host cannot tell (services in containers)
  cephstack.cloud.openstack_release_info:
    service: nova
    release: "{{ cephstack_openstack_release | default('auto') }}"
  register: nova_release
'''

RETURN = r'''
release:
  description: The release number.
  returned: always
  type: str
  sample: '2025.1'
series:
  description: The release's series name.
  returned: always
  type: str
  sample: epoxy
version:
  description: The installed version of the service, or null when the release was given.
  returned: always
  type: str
  sample: 30.0.0
source:
  description: Where the release came from, V(given), V(python), V(dpkg) or V(rpm).
  returned: always
  type: str
  sample: dpkg
commands:
  description: Always empty; this module changes nothing.
  returned: always
  type: list
  elements: str
'''

from ansible_collections.cephstack.cloud.plugins.module_utils import openstack_release as releases
from ansible_collections.cephstack.cloud.plugins.module_utils.package_query import PackageQuery
from ansible_collections.cephstack.cloud.plugins.module_utils.resource import ModuleFailure, ResourceModule


def python_version(distribution):
    try:
        from importlib import metadata
    except ImportError:   # Python < 3.8
        return None
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


class OpenstackReleaseInfo(ResourceModule):
    argument_spec = dict(
        service=dict(type="str", required=True, choices=sorted(releases.ZED_MAJOR)),
        release=dict(type="str", default="auto"),
    )

    def validate(self):
        given = self.params["release"]
        if given.strip().lower() == "auto":
            self.params["release"] = "auto"
            return
        try:
            self.params["release"] = releases.normalise(given)
        except releases.UnknownRelease as e:
            raise ModuleFailure("release: %s, or auto" % e)

    def make_runner(self):
        return PackageQuery(self.module, timeout=30)

    def installed(self, service):
        version = python_version(releases.DISTRIBUTION[service])
        if version:
            return version, "python"
        return self.runner.installed_version(releases.DEB_PACKAGE[service], releases.RPM_PACKAGE[service])

    def read(self):
        service = self.params["service"]
        if self.params["release"] != "auto":
            return dict(release=self.params["release"], version=None, source="given")
        version, source = self.installed(service)
        if version is None:
            raise ModuleFailure(
                "%s is not installed where this module runs (Python distribution %s, package %s or %s): "
                "set cephstack_openstack_release to the release it runs, %s"
                % (service, releases.DISTRIBUTION[service], releases.DEB_PACKAGE[service],
                   releases.RPM_PACKAGE[service], releases.VALID))
        try:
            return dict(release=releases.from_version(service, version), version=version, source=source)
        except releases.UnknownRelease as e:
            raise ModuleFailure("%s; set cephstack_openstack_release to the release it runs" % e)

    def decide(self, before, seen):
        return []

    def report(self, after, seen, changes):
        return dict(after, series=releases.NAMES[after["release"]])


# check_mode and diff: ResourceModule.execute() predicts the after-state from the Changes' effects.
def main():
    OpenstackReleaseInfo().execute()


if __name__ == "__main__":
    main()

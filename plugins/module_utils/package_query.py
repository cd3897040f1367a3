# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private runner for the package managers' queries: the installed version of a package, from
dpkg-query where the host has it, else rpm. Reads only."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.cephstack.cloud.plugins.module_utils.command_runner import CommandRunner


class PackageQuery(CommandRunner):
    tool = "dpkg-query"

    def installed_version(self, deb, rpm):
        """(version, 'dpkg' or 'rpm') of the installed package, or (None, None)."""
        for tool, args, source in (("dpkg-query", ["-W", "-f", "${Version}", deb], "dpkg"),
                                   ("rpm", ["-q", "--qf", "%{VERSION}", rpm], "rpm")):
            if not self.module.get_bin_path(tool):
                continue
            rc, out, dummy = self.run(args, tool=tool, check=False)
            if rc == 0 and out.strip() and "not installed" not in out:
                return out.strip(), source
        return None, None

# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private runner for mount, umount and ceph-fuse, and the fstab and /proc/mounts readers."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.cephstack.cloud.plugins.module_utils.command_runner import CommandRunner


def fstab_entries(text):
    """{mountpoint: (line index, fields)} of an fstab's text."""
    found = {}
    for i, line in enumerate((text or "").splitlines()):
        fields = line.split()
        if len(fields) >= 4 and not fields[0].startswith("#"):
            found[fields[1]] = (i, fields)
    return found


def mounted(path, proc_mounts="/proc/mounts"):
    """The filesystem type mounted at ``path``, or None."""
    with open(proc_mounts) as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 3 and fields[1] == path:
                return fields[2]
    return None


class MountRunner(CommandRunner):
    tool = "mount"

    # writes: planned (Planned.command is what run() logs), run by the module's Changes
    def mount_fstab(self, path, fstab):
        """Mount ``path`` as the given fstab says (mount -T FSTAB PATH)."""
        return self.plan(["-T", fstab, path])

    def umount(self, path):
        return self.plan([path], tool="umount")

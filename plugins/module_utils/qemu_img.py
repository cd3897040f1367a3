# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private runner for qemu-img: image info as JSON and conversion to RAW."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible_collections.cephstack.cloud.plugins.module_utils.command_runner import CommandRunner, describe_argv


class QemuImg(CommandRunner):
    tool = "qemu-img"

    def info(self, path):
        """dict with at least ``format`` and ``virtual-size``."""
        return json.loads(self.run(["info", "--output", "json", path])[1])

    @staticmethod
    def convert_args(source, source_format, dest):
        return ["convert", "-f", source_format, "-O", "raw", source, dest]

    def describe_convert(self, source, source_format, dest):
        """The line that convert_to_raw logs for these arguments."""
        return describe_argv([self.tool] + self.convert_args(source, source_format, dest))

    def convert_to_raw(self, source, source_format, dest):
        self.run(self.convert_args(source, source_format, dest), write=True)

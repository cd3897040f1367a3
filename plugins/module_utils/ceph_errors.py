# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ceph's errors, whichever transport met them: errno to exception, and librados' own words."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

from ansible_collections.cephstack.cloud.plugins.module_utils.command_runner import (
    CommandError, Exists, Invalid, NotFound, PermissionDenied, Timeout, error_for_errno)

# Ceph's names for the shared runner exceptions.
CephError = CommandError
CephNotFound = NotFound
CephPermissionDenied = PermissionDenied
CephTimeout = Timeout
CephInvalid = Invalid
CephExists = Exists


def error_for(rc, message, command=None):
    """Map an errno (sign ignored) to the matching exception."""
    return error_for_errno(rc, message or os.strerror(abs(rc)), command)


# librados' own log lines: "2026-12-02T02:05:52.713+0000 7f3a... -1 <message>"
LOG_PREFIX = re.compile(r"^\S+ [0-9a-f]+ +-?\d+ ")
KEY_TEXT = re.compile(r"\bA[Qg][A-Za-z0-9+/]{30,}={0,2}")
AES256K_HINT = ("clients older than Ceph 19.2.6 and 20.2.4 cannot read aes256k keys (Ag...): install newer "
                "client packages on this host, or give its user an aes key (ceph_auth key_type=aes)")


def librados_cause(text):
    """librados' last error lines, without log prefixes and keys, with a hint for aes256k keys."""
    lines = []
    for line in (text or "").splitlines():
        line = KEY_TEXT.sub("<redacted>", LOG_PREFIX.sub("", line.strip()))
        if line and line not in lines:
            lines.append(line)
    cause = "; ".join(lines[-3:])
    if "Malformed input" in cause and "type=key" in cause:
        cause += " (%s)" % AES256K_HINT
    return cause

# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for cephx caps, used by the roles' cross-checks."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_values import osd_cap_allows


def cephx_allows(osd_caps, pool, access="rwx", namespace=""):
    """``caps.osd | cephstack.cloud.cephx_allows('volumes')``: whether the OSD cap string gives
    ``access`` (r, w, x letters) on that exact pool. RBD clients need rwx; read-only profiles
    give r."""
    if not set(str(access)) <= set("rwx"):
        raise AnsibleFilterError("cephx_allows: access=%r must be letters of r, w, x" % (access,))
    return osd_cap_allows(osd_caps or "", str(pool), str(access), str(namespace or ""))


class FilterModule(object):
    def filters(self):
        return dict(cephx_allows=cephx_allows)

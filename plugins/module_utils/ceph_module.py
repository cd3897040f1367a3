# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base class for modules that talk to Ceph: the shared connection options and runner."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_commands import MGR, MON
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_errors import CephError
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_librados import HAS_RADOS
from ansible_collections.cephstack.cloud.plugins.module_utils.ceph_runner import CephRunner, Connection
from ansible_collections.cephstack.cloud.plugins.module_utils.resource import (  # noqa: F401 pylint: disable=unused-import
    ABSENT, REDACTED, UNKNOWN, Change, ModuleFailure, ResourceModule)

CONNECTION_ARGS = dict(
    cluster=dict(type="str", default="ceph"),
    conf=dict(type="path"),
    client_name=dict(type="str", default="client.admin"),
    client_keyring=dict(type="path", no_log=False),
    connect_timeout=dict(type="int", default=10),
    keep_connection_seconds=dict(type="int", default=0),
    transport=dict(type="str", default="auto", choices=["auto", "librados", "cli", "cephadm"]),
    cephadm_image=dict(type="str"),
)


def pool_deletion_refused(action, error):
    """The monitors refused to delete pools (mon_allow_pool_delete=false): say what to set."""
    return ModuleFailure("cannot %s: the monitors forbid deleting pools (%s). Set mon_allow_pool_delete=true "
                         "(ceph config set mon mon_allow_pool_delete true) and run again" % (action, error))


class CephResourceModule(ResourceModule):
    timeout_options = ("connect_timeout",)
    handled_errors = (CephError,)

    def __init__(self, module=None, runner=None):
        super(CephResourceModule, self).__init__(module, runner, base_spec=CONNECTION_ARGS)

    def validate_shared_options(self):
        super(CephResourceModule, self).validate_shared_options()
        p = self.params
        if p["keep_connection_seconds"] < 0:
            raise ModuleFailure("keep_connection_seconds must be 0 (a connection per task) or more, got %s"
                                % p["keep_connection_seconds"])
        for option in ("conf", "client_keyring"):
            if p[option] and not os.path.isfile(p[option]):
                raise ModuleFailure("%s=%s does not exist (cluster %r); give the path of the cluster's %s"
                                    % (option, p[option], p["cluster"],
                                       "ceph.conf" if option == "conf" else "keyring for " + p["client_name"]))
        if p["transport"] == "librados" and not HAS_RADOS:
            raise ModuleFailure("transport=librados, but python3-rados does not import under this interpreter; "
                                "set ansible_python_interpreter to the Python that has python3-rados, or use "
                                "transport=cli")

    def make_runner(self):
        p = self.params
        connection = Connection(p["cluster"], p["conf"], p["client_name"], p["client_keyring"],
                                p["connect_timeout"], p["keep_connection_seconds"], p["cephadm_image"])
        return CephRunner.for_module(self.module, connection, p["transport"])

    def ceph_change(self, prefix, effect=None, inbuf=None, **args):
        """A Change that runs one mon command and has ``effect`` on the resource."""
        return Change(self.runner.describe(MON, prefix, **args),
                      lambda: self.runner.write(prefix, inbuf=inbuf, **args), effect)

    def mgr_change(self, prefix, effect=None, **args):
        """A Change that runs one mgr command (fs volume, fs subvolume, ...)."""
        return Change(self.runner.describe(MGR, prefix, **args), lambda: self.runner.mgr_write(prefix, **args), effect)

    def runner_facts(self):
        return dict(transport=self.runner.transport.name, ceph_calls=self.runner.call_count,
                    connection=getattr(self.runner.transport, "session", None) or "off")


class CephInfoModule(CephResourceModule):
    """A module that only reads: read() returns the result keys, nothing is ever changed."""

    def decide(self, before, seen):
        return []

    def report(self, after, seen, changes):
        return after

# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private runner for Ganeti's gnt-cluster and gnt-group, on the shared runner base.

``gnt-cluster info`` and ``gnt-group info`` print YAML; it is parsed here, never in a module.
Key order is not stable, so callers compare parsed values. Ganeti's error texts map to the
shared exceptions; a master that does not answer is a clear error within the timeout.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import traceback

from ansible_collections.cephstack.cloud.plugins.module_utils.command_runner import (
    CommandError, CommandRunner, Invalid, LazyPattern, NotFound, Timeout)

try:
    import yaml
    HAS_YAML = True
    YAML_IMPORT_ERROR = None
except ImportError:
    HAS_YAML = False
    YAML_IMPORT_ERROR = traceback.format_exc()

INHERITED = LazyPattern(r"^default \((.*)\)$")
NOT_RUNNING = ("master daemon", "Cannot communicate", "Connection refused", "not the master",
               "Connect timed out")


class GanetiMasterDown(CommandError):
    """The Ganeti master daemons do not answer."""


def split_list(text):
    """'diskless, rbd' -> ['diskless', 'rbd']."""
    return [t.strip() for t in str(text or "").split(",") if t.strip()]


def own_values(params):
    """The values a node group sets itself: 'default (x)' entries are inherited."""
    if not isinstance(params, dict):
        return {}
    return dict((k, str(v)) for k, v in params.items()
                if v is not None and not INHERITED.match(str(v)))


class GntRunner(CommandRunner):
    tool = "gnt-cluster"

    def classify(self, rc, out, err):
        text = "%s %s" % (err, out)
        if "not found" in text or "unknown_entity" in text:
            return NotFound
        if any(s in text for s in ("Invalid value", "Unknown parameter", "Invalid string value",
                                   "wrong_input", "Parameter Error")):
            return Invalid
        if any(s in text for s in NOT_RUNNING):
            return GanetiMasterDown
        return super(GntRunner, self).classify(rc, out, err)

    def message(self, args, rc, out, err):
        lines = [l.strip() for l in (err or out or "").splitlines()
                 if l.strip() and not l.startswith("Failure: prerequisites not met")]
        text = " ".join(lines) or "exit status %s" % rc
        if self.classify(rc, out, err) is GanetiMasterDown:
            return "the Ganeti master does not answer (is this the master node, and are its daemons " \
                   "running?): %s" % text
        return "%s: %s" % (args[0] if args else "gnt", text)

    def run(self, args, **kwargs):
        try:
            return super(GntRunner, self).run(args, **kwargs)
        except Timeout:
            raise GanetiMasterDown("the Ganeti master did not answer within timeout=%d s (is this the master "
                                   "node, and are its daemons running?)" % self.timeout)

    def _yaml(self, tool, args):
        if not HAS_YAML:
            raise CommandError("PyYAML (python3-yaml) is needed to read Ganeti's output")
        return yaml.safe_load(self.run(args, tool=tool)[1])

    # --- reads ------------------------------------------------------------------------
    def cluster_info(self):
        """The cluster's enabled hypervisors, its enabled and allowed disk templates and its disk
        parameters."""
        info = self._yaml("gnt-cluster", ["info"])
        params = info.get("Cluster parameters") or {}
        ipolicy = info.get("Instance policy - limits for instances") or {}
        return dict(enabled_hypervisors=split_list(info.get("Enabled hypervisors")),
                    enabled_disk_templates=split_list(params.get("enabled disk templates")),
                    ipolicy_disk_templates=split_list(ipolicy.get("allowed disk templates")),
                    diskparams=dict((t, dict((k, str(v)) for k, v in (p or {}).items()))
                                    for t, p in (info.get("Default disk parameters") or {}).items()
                                    if isinstance(p, dict)))

    def groups_info(self, names):
        """{group: {template: own disk parameters}} for the named node groups, in one call.
        Ganeti leaves out a group that does not exist."""
        found = {}
        for entry in self._yaml("gnt-group", ["info"] + list(names)) or []:
            params = entry.get("Disk parameters") or {}
            found[entry["Node group"]] = dict((t, own_values(p)) for t, p in params.items())
        return found

    # --- writes: planned (Planned.command is what run() logs), run by the module's Changes ---
    def modify_cluster(self, args):
        return self.plan(["modify"] + args)

    def modify_group(self, group, args):
        return self.plan(["modify"] + args + [group], tool="gnt-group")

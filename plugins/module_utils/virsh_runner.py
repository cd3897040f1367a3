# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private runner for virsh secret commands. virsh has no JSON, so XML and its tables are
parsed here, never in a module. Secret values only ever travel on virsh's stdin (``--file
/dev/stdin``): no file holds a value, even if the run is killed."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from xml.etree import ElementTree

from ansible_collections.cephstack.cloud.plugins.module_utils.command_runner import (
    CommandError, CommandRunner, LazyPattern, NotFound, PermissionDenied)

SECRET_LINE = LazyPattern(r"^\s*([0-9a-fA-F-]{36})\s+(\S+)\s*(.*?)\s*$")


# virsh's names for the shared runner exceptions.
VirshError = CommandError
VirshNotFound = NotFound


class VirshPrivate(PermissionDenied):
    """The secret is private: libvirt will not show its value."""


def parse_secret_list(text):
    """`virsh secret-list` table -> {uuid: (usage_type, usage_name)}."""
    secrets = {}
    for line in text.splitlines():
        m = SECRET_LINE.match(line)
        if m:
            secrets[m.group(1).lower()] = (m.group(2), m.group(3))
    return secrets


def parse_secret_xml(text):
    root = ElementTree.fromstring(text)
    usage = root.find("usage")
    usage_type = usage.get("type") if usage is not None else None
    name = None
    if usage is not None:
        for tag in ("name", "volume", "target"):
            if usage.find(tag) is not None:
                name = usage.find(tag).text
                break
    desc = root.find("description")
    return dict(uuid=root.findtext("uuid").lower(),
                description=desc.text if desc is not None else None,
                private=root.get("private", "no") == "yes",
                ephemeral=root.get("ephemeral", "no") == "yes",
                usage_type=usage_type, usage_name=name)


def secret_xml(uuid, usage_type, usage_name, description=None, private=False, ephemeral=False):
    root = ElementTree.Element("secret", ephemeral="yes" if ephemeral else "no",
                               private="yes" if private else "no")
    ElementTree.SubElement(root, "uuid").text = uuid
    if description:
        ElementTree.SubElement(root, "description").text = description
    usage = ElementTree.SubElement(root, "usage", type=usage_type)
    tag = {"volume": "volume", "iscsi": "target"}.get(usage_type, "name")
    ElementTree.SubElement(usage, tag).text = usage_name
    return ElementTree.tostring(root, encoding="unicode")


class VirshRunner(CommandRunner):
    """virsh on one libvirt URI; every call is bounded by ``timeout`` seconds."""
    tool = "virsh"

    def __init__(self, module, uri, timeout=30):
        super(VirshRunner, self).__init__(module, timeout)
        self.uri = uri

    def classify(self, rc, out, err):
        text = (err or out).lower()
        if "is private" in text:
            return VirshPrivate
        if "not found" in text or "no secret with matching" in text:
            return VirshNotFound
        return super(VirshRunner, self).classify(rc, out, err)

    def message(self, args, rc, out, err):
        text = (err or out).strip().replace("error: ", "").replace("\n", " ")
        if "failed to connect" in text.lower():
            return "cannot reach libvirtd at uri=%s: %s" % (self.uri, text)
        return "virsh %s: %s" % (args[0], text)

    def _run(self, args):
        return self.run(["-q", "-c", self.uri] + args)[1]

    # --- reads --------------------------------------------------------------
    def list_secrets(self):
        return parse_secret_list(self._run(["secret-list"]))

    def get(self, uuid):
        try:
            return parse_secret_xml(self._run(["secret-dumpxml", uuid]))
        except VirshNotFound:
            return None

    def get_value(self, uuid):
        """The base64 value, or None when the secret has no value yet."""
        try:
            return self._run(["secret-get-value", uuid]).strip()
        except VirshError as e:
            if isinstance(e, VirshPrivate):
                raise
            if "no value" in str(e).lower():
                return None
            raise

    # --- writes: planned (Planned.command is what run() logs), run by the module's Changes ---
    def _plan(self, args, stdin=None):
        data = None if stdin is None else stdin.encode("utf-8")
        return self.plan(["-q", "-c", self.uri] + args, data=data, binary=data is not None)

    def define(self, xml):
        return self._plan(["secret-define", "--file", "/dev/stdin"], stdin=xml)

    def set_value(self, uuid, value_b64):
        return self._plan(["secret-set-value", "--secret", uuid, "--file", "/dev/stdin"], stdin=value_b64)

    def undefine(self, uuid):
        return self._plan(["secret-undefine", uuid])

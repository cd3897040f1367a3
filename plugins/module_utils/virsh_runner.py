# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private runner for virsh secret commands. virsh has no JSON, so XML and its tables are
parsed here, never in a module. Secret values only ever travel through 0600 files."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re
import tempfile
from xml.etree import ElementTree

SECRET_LINE = re.compile(r"^\s*([0-9a-fA-F-]{36})\s+(\S+)\s*(.*?)\s*$")


class VirshError(Exception):
    def __init__(self, message, rc=None):
        super(VirshError, self).__init__(message)
        self.rc = rc


class VirshNotFound(VirshError):
    pass


class VirshPrivate(VirshError):
    pass


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


class VirshRunner(object):
    def __init__(self, module, uri):
        self.module = module
        self.uri = uri
        self.commands = []
        self.call_count = 0
        self._virsh = module.get_bin_path("virsh", required=True)

    def _run(self, args):
        self.call_count += 1
        rc, out, err = self.module.run_command([self._virsh, "-q", "-c", self.uri] + args,
                                               environ_update={"LC_ALL": "C"})
        if rc != 0:
            message = (err or out).strip().replace("error: ", "").replace("\n", " ")
            if "is private" in message:
                raise VirshPrivate(message, rc)
            if "not found" in message.lower() or "no secret with matching" in message.lower():
                raise VirshNotFound(message, rc)
            raise VirshError("virsh %s: %s" % (args[0], message), rc)
        return out

    def _with_file(self, content):
        fd, path = tempfile.mkstemp(prefix=".cephstack-secret.")   # 0600
        with os.fdopen(fd, "w") as f:
            f.write(content)
        return path

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

    # --- writes -------------------------------------------------------------
    def define(self, xml):
        path = self._with_file(xml)
        try:
            self.commands.append("virsh secret-define --file <secret xml>")
            self._run(["secret-define", "--file", path])
        finally:
            os.unlink(path)

    def set_value(self, uuid, value_b64):
        path = self._with_file(value_b64)
        try:
            self.commands.append("virsh secret-set-value --secret %s --file <0600 file>" % uuid)
            self._run(["secret-set-value", "--secret", uuid, "--file", path])
        finally:
            os.unlink(path)

    def undefine(self, uuid):
        self.commands.append("virsh secret-undefine %s" % uuid)
        self._run(["secret-undefine", uuid])

    def close(self):
        pass

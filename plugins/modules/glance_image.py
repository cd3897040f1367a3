#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: glance_image
short_description: Upload an image to Glance as RAW, ready for copy-on-write boots from RBD
version_added: 0.1.0
description:
  - Ceph cannot boot from QCOW2 images copy-on-write. This module converts the source file to RAW
    with C(qemu-img convert) when it is not RAW already, then uploads it through the Glance v2 API
    with the properties the Ceph guide recommends.
  - Reads the image by name first; an existing image gets only its properties updated (image data
    is immutable in Glance), so a re-run changes nothing.
author:
  - cephstack.cloud contributors (@cephstack)
extends_documentation_fragment:
  - cephstack.cloud.attributes
options:
  name:
    description: Image name (unique among the images the token can see).
    type: str
    required: true
  file:
    description: Source image file on the host running the module, in any format qemu-img reads.
    type: path
  state:
    description: Whether the image should exist.
    type: str
    choices: [present, absent]
    default: present
  properties:
    description:
      - Image properties. Merged over the guide's recommendations
        C(hw_scsi_model=virtio-scsi), C(hw_disk_bus=scsi), C(hw_qemu_guest_agent=yes),
        C(os_require_quiesce=yes); set a key to V(null) to leave it out.
    type: dict
    default: {}
  visibility:
    description: Image visibility.
    type: str
    choices: [private, shared, community, public]
    default: private
  store:
    description: Glance store (backend) to upload to, for multi-store Glance. Default store when unset.
    type: str
  glance_url:
    description: Glance API endpoint, e.g. C(http://glance.internal:9292).
    type: str
    required: true
  token:
    description: Keystone token sent as C(X-Auth-Token). Omit for a Glance without keystone.
    type: str
  work_dir:
    description: Directory for the converted RAW file (needs room for the full virtual size).
    type: path
    default: /var/tmp
  timeout:
    description: Seconds for each API request; the upload gets ten times this.
    type: int
    default: 30
requirements:
  - C(qemu-img) (package C(qemu-utils)) when the source is not RAW.
notes:
  - Supports check mode and diff mode.
'''

EXAMPLES = r'''
- name: CirrOS as RAW in the images pool
  cephstack.cloud.glance_image:
    name: cirros-0.6
    file: /srv/images/cirros-0.6.2-x86_64-disk.img
    glance_url: http://glance.internal:9292
    token: "{{ keystone_token }}"
  no_log: false
'''

RETURN = r'''
image:
  description: The image after the run (predicted in check mode). Empty when absent.
  returned: always
  type: dict
  sample: {id: 8b0a..., name: cirros-0.6, status: active, disk_format: raw, properties: {hw_disk_bus: scsi}}
source_format:
  description: The format qemu-img found in O(file).
  returned: when O(file) is read
  type: str
commands:
  description: What changed (conversion, API calls).
  returned: always
  type: list
  elements: str
'''

import json
import os
import tempfile

from ansible.module_utils.six.moves.urllib.parse import quote
from ansible.module_utils.urls import open_url

from ansible_collections.cephstack.cloud.plugins.module_utils.resource import (
    Change, ModuleFailure, ResourceModule)

RECOMMENDED = {"hw_scsi_model": "virtio-scsi", "hw_disk_bus": "scsi",
               "hw_qemu_guest_agent": "yes", "os_require_quiesce": "yes"}
CORE = ("id", "name", "status", "disk_format", "container_format", "visibility", "size", "checksum",
        "stores", "direct_url")


class GlanceApi(object):
    def __init__(self, module, url, token, timeout):
        self.module = module
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.commands = []
        self.call_count = 0

    def request(self, method, path, body=None, content_type="application/json", timeout=None, headers=None):
        self.call_count += 1
        hdrs = {"Content-Type": content_type}
        if self.token:
            hdrs["X-Auth-Token"] = self.token
        hdrs.update(headers or {})
        data = json.dumps(body) if isinstance(body, (dict, list)) else body
        try:
            resp = open_url(self.url + path, method=method, data=data, headers=hdrs,
                            timeout=timeout or self.timeout, validate_certs=True)
            raw = resp.read()
        except Exception as e:  # pylint: disable=broad-except
            detail = e.read().decode("utf-8", "replace")[:300] if hasattr(e, "read") else ""
            raise ModuleFailure("Glance %s %s failed: %s %s" % (method, path, e, detail))
        return json.loads(raw) if raw else None

    def close(self):
        pass


class GlanceImage(ResourceModule):
    argument_spec = dict(
        name=dict(type="str", required=True),
        file=dict(type="path"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        properties=dict(type="dict", default={}),
        visibility=dict(type="str", default="private", choices=["private", "shared", "community", "public"]),
        store=dict(type="str"),
        glance_url=dict(type="str", required=True),
        token=dict(type="str", no_log=True),
        work_dir=dict(type="path", default="/var/tmp"),
        timeout=dict(type="int", default=30),
    )
    required_if = [("state", "present", ["file"])]

    def make_runner(self):
        p = self.params
        return GlanceApi(self.module, p["glance_url"], p["token"], p["timeout"])

    def runner_facts(self):
        return dict(api_calls=self.runner.call_count)

    def validate(self):
        p = self.params
        props = dict(RECOMMENDED)
        props.update(p["properties"])
        self.properties = dict((k, str(v)) for k, v in props.items() if v is not None)
        if p["state"] == "present" and not os.path.isfile(p["file"]):
            raise ModuleFailure("file=%s does not exist" % p["file"])

    def read(self):
        found = self.runner.request("GET", "/v2/images?name=%s" % quote(self.params["name"]))["images"]
        if len(found) > 1:
            raise ModuleFailure("%d images are named %r; use unique names" % (len(found), self.params["name"]))
        if not found:
            return None
        img = found[0]
        state = dict((k, img.get(k)) for k in CORE)
        state["properties"] = dict((k, img[k]) for k in self.properties if k in img)
        return state

    def source_format(self):
        qemu_img = self.module.get_bin_path("qemu-img", required=True)
        rc, out, err = self.module.run_command([qemu_img, "info", "--output", "json", self.params["file"]])
        if rc != 0:
            raise ModuleFailure("qemu-img info %s: %s" % (self.params["file"], err.strip()))
        return json.loads(out)["format"]

    def decide(self, before):
        p = self.params
        self.fmt = None
        if p["state"] == "absent":
            self.target = None
            return [Change("DELETE /v2/images/%s" % before["id"], self.delete)] if before else []
        self.fmt = self.source_format()
        if before is None:
            self.target = dict(name=p["name"], status="active", disk_format="raw", container_format="bare",
                               visibility=p["visibility"], properties=self.properties)
            steps = []
            if self.fmt != "raw":
                steps.append(Change("qemu-img convert -f %s -O raw %s <work_dir>" % (self.fmt, p["file"]), self.convert))
            steps.append(Change("POST /v2/images and PUT file (%s)" % p["name"], self.create))
            return steps
        if before["disk_format"] != "raw":
            raise ModuleFailure("image %s exists as %s; Glance image data is immutable, so delete it (state=absent) "
                                "and run again to get a RAW image" % (p["name"], before["disk_format"]))
        patch = [{"op": "add" if k not in before["properties"] else "replace", "path": "/" + k, "value": v}
                 for k, v in sorted(self.properties.items()) if before["properties"].get(k) != v]
        if before["visibility"] != p["visibility"]:
            patch.append({"op": "replace", "path": "/visibility", "value": p["visibility"]})
        self.target = dict(before, visibility=p["visibility"],
                           properties=dict(before["properties"], **self.properties))
        return [Change("PATCH /v2/images/%s (%s)" % (before["id"], ", ".join(c["path"][1:] for c in patch)),
                       lambda: self.update(before["id"], patch))] if patch else []

    # --- apply --------------------------------------------------------------
    def convert(self):
        qemu_img = self.module.get_bin_path("qemu-img", required=True)
        fd, self.raw_path = tempfile.mkstemp(prefix=".glance-image.", suffix=".raw", dir=self.params["work_dir"])
        os.close(fd)
        rc, dummy, err = self.module.run_command([qemu_img, "convert", "-f", self.fmt, "-O", "raw",
                                                  self.params["file"], self.raw_path])
        if rc != 0:
            os.unlink(self.raw_path)
            raise ModuleFailure("qemu-img convert failed: %s" % err.strip())
        self.runner.commands.append("qemu-img convert -f %s -O raw %s" % (self.fmt, self.params["file"]))

    def create(self):
        p = self.params
        body = dict(self.properties, name=p["name"], disk_format="raw", container_format="bare",
                    visibility=p["visibility"])
        image = self.runner.request("POST", "/v2/images", body)
        self.runner.commands.append("POST /v2/images (%s)" % p["name"])
        path = getattr(self, "raw_path", None) or p["file"]
        headers = {"Content-Length": str(os.path.getsize(path))}     # streamed, not read into memory
        if p["store"]:
            headers["X-Image-Meta-Store"] = p["store"]
        try:
            with open(path, "rb") as f:
                self.runner.request("PUT", "/v2/images/%s/file" % image["id"], f,
                                    content_type="application/octet-stream", timeout=p["timeout"] * 10,
                                    headers=headers)
        except ModuleFailure:
            self.runner.request("DELETE", "/v2/images/%s" % image["id"])   # leave nothing half-done
            raise
        finally:
            if getattr(self, "raw_path", None):
                os.unlink(self.raw_path)
        self.runner.commands.append("PUT /v2/images/%s/file" % image["id"])

    def update(self, image_id, patch):
        self.runner.request("PATCH", "/v2/images/%s" % image_id, patch,
                            content_type="application/openstack-images-v2.1-json-patch")
        self.runner.commands.append("PATCH /v2/images/%s" % image_id)

    def delete(self):
        image_id = self.read()["id"]
        self.runner.request("DELETE", "/v2/images/%s" % image_id)
        self.runner.commands.append("DELETE /v2/images/%s" % image_id)

    def predict(self, before, changes):
        return self.target

    def report(self, after):
        result = dict(image=after or {})
        if self.fmt:
            result["source_format"] = self.fmt
        return result


# check_mode and diff: ResourceModule.execute() predicts without applying (supports_check_mode=True).
def main():
    GlanceImage().execute()


if __name__ == "__main__":
    main()

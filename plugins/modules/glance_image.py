#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: glance_image
short_description: Upload an image to Glance as RAW, ready for copy-on-write boots from RBD
version_added: 1.0.0
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
  description:
    - The image after the run. Empty when absent.
    - In check mode, the prediction; what only Glance can know (the id of a new image, its
      checksum and direct URL) is C((known after apply)).
  returned: always
  type: dict
  sample: {id: 8b0a..., name: cirros-0.6, status: active, disk_format: raw, properties: {hw_disk_bus: scsi}}
source_format:
  description: The format qemu-img found in O(file).
  returned: when O(file) is read
  type: str
commands:
  description:
    - What ran to change something, in order; the conversion's argv, then the API requests as
      C(METHOD path).
    - In check mode, what would run; the temporary file's name and a new image's id are not known
      yet and show as C(XXXXXXXX) and C((known after apply)).
  returned: always
  type: list
  elements: str
'''

import os
import tempfile

from ansible_collections.cephstack.cloud.plugins.module_utils.glance_api import CORE, GlanceApi
from ansible_collections.cephstack.cloud.plugins.module_utils.qemu_img import QemuImg
from ansible_collections.cephstack.cloud.plugins.module_utils.resource import (
    ABSENT, UNKNOWN, Change, ModuleFailure, Observed, ResourceModule)

RECOMMENDED = {"hw_scsi_model": "virtio-scsi", "hw_disk_bus": "scsi",
               "hw_qemu_guest_agent": "yes", "os_require_quiesce": "yes"}


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
    timeout_options = ("timeout",)
    required_if = [("state", "present", ["file"])]

    def make_runner(self):
        p = self.params
        self.qemu_img = QemuImg(self.module, timeout=p["timeout"] * 10)
        return GlanceApi(p["glance_url"], p["token"], p["timeout"])

    def runner_facts(self):
        return dict(api_calls=self.runner.call_count)

    def validate(self):
        p = self.params
        props = dict(RECOMMENDED)
        props.update(p["properties"])
        p["properties"] = dict((k, str(v)) for k, v in props.items() if v is not None)
        if p["state"] == "present" and not os.path.isfile(p["file"]):
            raise ModuleFailure("file=%s does not exist" % p["file"])

    def read(self):
        p = self.params
        # and the source file's format and size, from qemu-img info
        return Observed(self.read_after(), source=self.qemu_img.info(p["file"]) if p["state"] == "present" else None)

    def read_after(self):
        p = self.params
        img = self.runner.find_image(p["name"])
        if img is None:
            return None
        state = dict((k, img.get(k)) for k in CORE)
        state["properties"] = dict((k, img[k]) for k in p["properties"] if k in img)
        return state

    def decide(self, before, seen):
        p = self.params
        api = self.runner
        if p["state"] == "absent":
            if not before:
                return []
            return [Change(api.line("DELETE", "/v2/images/%s" % before["id"]),
                           lambda: api.delete_image(before["id"]), ABSENT)]
        if before is None:
            return self.create_changes(seen.source)
        if before["disk_format"] != "raw":
            raise ModuleFailure("image %s exists as %s; Glance image data is immutable, so delete it (state=absent) "
                                "and run again to get a RAW image" % (p["name"], before["disk_format"]))
        patch = [{"op": "add" if k not in before["properties"] else "replace", "path": "/" + k, "value": v}
                 for k, v in sorted(p["properties"].items()) if before["properties"].get(k) != v]
        if before["visibility"] != p["visibility"]:
            patch.append({"op": "replace", "path": "/visibility", "value": p["visibility"]})
        if not patch:
            return []
        effect = dict(visibility=p["visibility"], properties=dict(before["properties"], **p["properties"]))
        note = ", ".join(c["path"][1:] for c in patch)
        return [Change(api.line("PATCH", "/v2/images/%s" % before["id"], note),
                       lambda: api.patch_image(before["id"], patch, note), effect)]

    def create_changes(self, source):
        """Convert (unless RAW), POST the record, PUT the data. The temporary RAW file's name and
        the image's id are known only once the step before has run: the step that uses one names
        it in its command as it runs, so that ``commands`` is what ran."""
        p = self.params
        api = self.runner
        fmt = source["format"]
        new = dict(raw_path=p["file"], id=UNKNOWN)
        changes = []
        if fmt != "raw":
            def convert():
                fd, new["raw_path"] = tempfile.mkstemp(prefix=".glance-image.", suffix=".raw", dir=p["work_dir"])
                os.close(fd)
                self.on_exit(lambda: os.path.exists(new["raw_path"]) and os.unlink(new["raw_path"]))
                conversion.command = self.qemu_img.describe_convert(p["file"], fmt, new["raw_path"])
                self.qemu_img.convert_to_raw(p["file"], fmt, new["raw_path"])
            temp = os.path.join(p["work_dir"], ".glance-image.XXXXXXXX.raw")    # mkstemp's pattern
            conversion = Change(self.qemu_img.describe_convert(p["file"], fmt, temp), convert)
            changes.append(conversion)
        body = dict(p["properties"], name=p["name"], disk_format="raw", container_format="bare",
                    visibility=p["visibility"])

        def post():
            new["id"] = api.post_image(body)

        def put():
            upload.command = api.line("PUT", "/v2/images/%s/file" % new["id"])
            api.upload(new["id"], new["raw_path"], os.path.getsize(new["raw_path"]), p["store"],
                       timeout=p["timeout"] * 10)
        created = dict(id=UNKNOWN, name=p["name"], status="active", disk_format="raw", container_format="bare",
                       visibility=p["visibility"], size=source["virtual-size"], checksum=UNKNOWN,
                       stores=p["store"] or UNKNOWN, direct_url=UNKNOWN, properties=p["properties"])
        upload = Change(api.line("PUT", "/v2/images/%s/file" % UNKNOWN), put)
        return changes + [Change(api.line("POST", "/v2/images"), post, created), upload]

    def report(self, after, seen, changes):
        result = dict(image=after or {})
        if seen.source:
            result["source_format"] = seen.source["format"]
        return result


# check_mode and diff: ResourceModule.execute() predicts the after-state from the Changes' effects.
def main():
    GlanceImage().execute()


if __name__ == "__main__":
    main()

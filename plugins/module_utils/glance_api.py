# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private client for the Glance v2 API: JSON in and out, a timeout on every request, and the
shared runner exceptions for HTTP errors. The token never reaches a log or a message."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import socket

from ansible.module_utils.six.moves.urllib.parse import quote
from ansible.module_utils.urls import open_url

from ansible_collections.cephstack.cloud.plugins.module_utils.command_runner import (
    CommandError, Exists, Invalid, NotFound, PermissionDenied, Timeout)

HTTP_EXCEPTIONS = {400: Invalid, 401: PermissionDenied, 403: PermissionDenied, 404: NotFound, 409: Exists}
CORE = ("id", "name", "status", "disk_format", "container_format", "visibility", "size", "checksum",
        "stores", "direct_url")


class GlanceApi(object):
    def __init__(self, url, token=None, timeout=30):
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.commands = []
        self.call_count = 0

    @staticmethod
    def line(method, path, note=None):
        """How a request is logged in ``commands``: ``PATCH /v2/images/ID (os_distro)``."""
        return "%s %s%s" % (method, path, " (%s)" % note if note else "")

    def request(self, method, path, body=None, content_type="application/json", timeout=None, headers=None,
                note=None):
        self.call_count += 1
        hdrs = {"Content-Type": content_type}
        if self.token:
            hdrs["X-Auth-Token"] = self.token
        hdrs.update(headers or {})
        data = json.dumps(body) if isinstance(body, (dict, list)) else body
        line = self.line(method, path, note)
        if method != "GET":
            self.commands.append(line)
        try:
            resp = open_url(self.url + path, method=method, data=data, headers=hdrs,
                            timeout=timeout or self.timeout, validate_certs=True)
            raw = resp.read()
        except socket.timeout:
            raise Timeout("Glance %s timed out after %s s" % (line, timeout or self.timeout), command=line)
        except Exception as e:  # pylint: disable=broad-except
            code = getattr(e, "code", None)
            if code is None:
                raise CommandError("cannot reach Glance at glance_url=%s: %s" % (self.url, e), command=line)
            detail = e.read().decode("utf-8", "replace")[:300] if hasattr(e, "read") else ""
            raise HTTP_EXCEPTIONS.get(code, CommandError)("Glance %s failed: HTTP %s %s" % (line, code, detail),
                                                          rc=code, command=line)
        return json.loads(raw) if raw else None

    # --- images -------------------------------------------------------------------
    def find_image(self, name):
        """The image called ``name`` (core fields and every property), or None."""
        found = self.request("GET", "/v2/images?name=%s" % quote(name))["images"]
        if len(found) > 1:
            raise Invalid("%d images are named %r; use unique names" % (len(found), name))
        return found[0] if found else None

    def post_image(self, body):
        """The new image's record (queued, without data); returns its id."""
        return self.request("POST", "/v2/images", body)["id"]

    def upload(self, image_id, path, size, store=None, timeout=None):
        """Stream the file into the image; an image whose upload fails is deleted, so that a
        re-run starts again from nothing."""
        headers = {"Content-Length": str(size)}
        if store:
            headers["X-Image-Meta-Store"] = store
        try:
            with open(path, "rb") as f:
                self.request("PUT", "/v2/images/%s/file" % image_id, f,
                             content_type="application/octet-stream", timeout=timeout, headers=headers)
        except Exception as e:  # pylint: disable=broad-except
            self.delete_image(image_id)
            if isinstance(e, CommandError):
                raise type(e)("%s; the image's record was deleted again" % e, rc=e.rc, command=e.command)
            raise

    def patch_image(self, image_id, patch, note=None):
        self.request("PATCH", "/v2/images/%s" % image_id, patch, note=note,
                     content_type="application/openstack-images-v2.1-json-patch")

    def delete_image(self, image_id):
        self.request("DELETE", "/v2/images/%s" % image_id)

    def close(self):
        pass

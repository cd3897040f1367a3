"""glance_image against an in-memory Glance v2 (images with the fields a real record has) and a
qemu-img that answers info and converts: check, apply, re-run, a property change, absent, a failed
upload; ``commands`` equals the requests and the argv that ran."""
import io
import json
import os
import uuid

import pytest

from ansible_collections.cephstack.cloud.plugins.module_utils import glance_api
from ansible_collections.cephstack.cloud.plugins.modules.glance_image import GlanceImage
from tests.unit.helpers import HTTPError, answer_commands, run_module

URL = "http://glance.test:9292"
TOKEN = "gAAAAABn-secret-token"


class FakeGlance(object):
    """The requests glance_api sends, answered as Glance v2 answers them."""

    def __init__(self):
        self.images = {}
        self.ran = []           # every request but GET, as "METHOD path"
        self.tokens = set()
        self.fail_upload = False

    def __call__(self, url, method="GET", data=None, headers=None, timeout=None, validate_certs=True):
        path = url[len(URL):]
        self.tokens.add((headers or {}).get("X-Auth-Token"))
        if method != "GET":
            self.ran.append("%s %s" % (method, path))
        parts = path.split("?")[0].strip("/").split("/")
        if method == "GET" and parts == ["v2", "images"]:
            name = path.split("name=", 1)[1]
            return self.answer({"images": [i for i in self.images.values() if i["name"] == name]})
        if method == "POST":
            body = json.loads(data)
            image_id = str(uuid.uuid4())
            self.images[image_id] = dict(body, id=image_id, status="queued", size=None, checksum=None,
                                         stores=None, direct_url=None)
            return self.answer(self.images[image_id])
        image = self.images.get(parts[2]) if len(parts) > 2 else None
        if image is None:
            raise HTTPError(404, b"not found")
        if method == "PUT":
            if self.fail_upload:
                raise HTTPError(500, b"store unavailable")
            image.update(status="active", size=len(data.read()), checksum="31f5ad1f", stores="rbd",
                         direct_url="rbd://fsid/images/%s/snap" % image["id"])
            return self.answer(None)
        if method == "PATCH":
            for op in json.loads(data):
                image[op["path"][1:]] = op["value"]
            return self.answer(image)
        if method == "DELETE":
            del self.images[image["id"]]
            return self.answer(None)
        raise AssertionError("unexpected %s %s" % (method, path))

    @staticmethod
    def answer(body):
        return io.BytesIO(json.dumps(body).encode() if body is not None else b"")


class FakeQemuImg(object):
    """qemu-img info --output json (a QCOW2 source of 3 MiB) and convert, which writes the RAW file."""

    def __init__(self):
        self.ran = []

    def __call__(self, argv, **kwargs):
        argv = [os.path.basename(argv[4])] + list(argv[5:])
        if argv[1] == "info":
            return 0, json.dumps({"format": "qcow2", "virtual-size": 3145728, "filename": argv[-1]}), ""
        self.ran.append(" ".join(argv))
        with open(argv[-1], "wb") as f:
            f.write(b"\0" * 3145728)
        return 0, "", ""


@pytest.fixture
def glance(monkeypatch):
    fake = FakeGlance()
    monkeypatch.setattr(glance_api, "open_url", fake)
    return fake


@pytest.fixture
def qemu_img(monkeypatch):
    return answer_commands(monkeypatch, FakeQemuImg())


def run(args, capsys, check_mode=False):
    return run_module(GlanceImage, dict(dict(glance_url=URL, token=TOKEN), **args), None, capsys,
                      check_mode=check_mode, diff=True)


def test_check_apply_rerun_patch_absent(glance, qemu_img, tmp_path, capsys):
    source = tmp_path / "cirros.qcow2"
    source.write_bytes(b"QFI\xfb")
    args = dict(name="cirros", file=str(source), work_dir=str(tmp_path))
    failed, check = run(args, capsys, check_mode=True)
    assert not failed and check["changed"]
    assert check["commands"] == ["qemu-img convert -f qcow2 -O raw %s %s/.glance-image.XXXXXXXX.raw"
                                 % (source, tmp_path), "POST /v2/images", "PUT /v2/images/(known after apply)/file"]
    assert glance.ran == [] and qemu_img.ran == [] and check["image"]["id"] == "(known after apply)"

    failed, real = run(args, capsys)
    assert not failed and real["changed"]
    image_id = real["image"]["id"]
    assert real["commands"] == qemu_img.ran + glance.ran
    assert glance.ran == ["POST /v2/images", "PUT /v2/images/%s/file" % image_id]
    assert qemu_img.ran[0].startswith("qemu-img convert -f qcow2 -O raw %s %s/.glance-image." % (source, tmp_path))
    assert real["image"]["status"] == "active" and real["image"]["size"] == 3145728
    assert real["image"]["properties"]["hw_disk_bus"] == "scsi"
    assert sorted(os.listdir(str(tmp_path))) == ["cirros.qcow2"]      # the temporary RAW file is gone
    known = dict((k, v) for k, v in check["image"].items() if v != "(known after apply)")
    assert dict((k, real["image"][k]) for k in known) == known

    failed, again = run(args, capsys)
    assert not failed and not again["changed"] and again["commands"] == [] and len(glance.ran) == 2

    failed, patched = run(dict(args, properties=dict(os_distro="cirros", os_require_quiesce=None)), capsys)
    # the request, and in brackets which properties it patches
    assert patched["commands"] == ["PATCH /v2/images/%s (os_distro)" % image_id]
    assert glance.ran[2:] == ["PATCH /v2/images/%s" % image_id]
    assert patched["image"]["properties"]["os_distro"] == "cirros"

    failed, gone = run(dict(name="cirros", state="absent"), capsys)
    assert gone["commands"] == glance.ran[3:] == ["DELETE /v2/images/%s" % image_id] and gone["image"] == {}
    assert glance.tokens == {TOKEN}
    for result in (check, real, again, patched, gone):
        assert TOKEN not in json.dumps(result)


def test_a_failed_upload_deletes_the_record_and_the_temporary_file(glance, qemu_img, tmp_path, capsys):
    source = tmp_path / "cirros.qcow2"
    source.write_bytes(b"QFI\xfb")
    glance.fail_upload = True
    failed, res = run(dict(name="cirros", file=str(source), work_dir=str(tmp_path)), capsys)
    assert failed and "HTTP 500" in res["msg"] and "the image's record was deleted again" in res["msg"]
    image_id = glance.ran[1].split("/")[3]
    assert glance.ran == ["POST /v2/images", "PUT /v2/images/%s/file" % image_id, "DELETE /v2/images/%s" % image_id]
    assert res["commands"] == qemu_img.ran + ["POST /v2/images", "PUT /v2/images/%s/file" % image_id]
    assert res["failed_command"] == "PUT /v2/images/%s/file" % image_id
    assert glance.images == {} and sorted(os.listdir(str(tmp_path))) == ["cirros.qcow2"]

    glance.fail_upload = False
    failed, res = run(dict(name="cirros", file=str(source), work_dir=str(tmp_path)), capsys)
    assert not failed and res["changed"] and res["image"]["status"] == "active"


def test_a_raw_source_is_uploaded_as_it_is(glance, monkeypatch, tmp_path, capsys):
    source = tmp_path / "disk.raw"
    source.write_bytes(b"\0" * 4096)
    answer_commands(monkeypatch, lambda self, argv, **kw: (0, json.dumps({"format": "raw", "virtual-size": 4096}), ""))
    failed, res = run(dict(name="disk", file=str(source)), capsys)
    assert not failed and res["commands"] == glance.ran and glance.ran[0] == "POST /v2/images"
    assert res["image"]["size"] == 4096

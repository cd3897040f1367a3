"""glance_api and glance_image on what a real glance-api (Zed, RBD store on the lab) answered,
recorded by tests/unit/fixtures/glance/record.py: the record's fields as the module reads them,
and Glance's own error answers as the exceptions and messages an operator gets."""
import io
import json
import os

import pytest

from ansible_collections.cephstack.cloud.plugins.module_utils import glance_api
from ansible_collections.cephstack.cloud.plugins.module_utils.command_runner import Exists, Invalid, NotFound
from ansible_collections.cephstack.cloud.plugins.modules.glance_image import GlanceImage
from tests.unit.helpers import FIXTURES, HTTPError, answer_commands, run_module

URL = "http://glance.test:9292"


def recorded(name):
    with open(os.path.join(FIXTURES, "glance", name + ".json")) as f:
        return json.load(f)


RECORDED_IMAGE = json.loads(recorded("find_one")["body"])["images"][0]


class RecordedGlance(object):
    """Answers each request, in order, with the next recorded answer; notes what was asked."""

    def __init__(self, *names):
        self.answers = [recorded(name) for name in names]
        self.asked = []

    def __call__(self, url, method="GET", data=None, headers=None, timeout=None, validate_certs=True):
        answer = self.answers.pop(0)
        self.asked.append("%s %s" % (method, url[len(URL):]))
        assert answer["request"].split()[0] == method, (answer["request"], method)
        body = answer["body"].encode("utf-8")
        if answer["status"] >= 400:
            raise HTTPError(answer["status"], body)
        return io.BytesIO(body)


@pytest.fixture
def glance(monkeypatch):
    def replay(*names):
        fake = RecordedGlance(*names)
        monkeypatch.setattr(glance_api, "open_url", fake)
        return fake
    return replay


def test_a_name_that_no_image_has_is_none(glance):
    glance("find_none")
    assert glance_api.GlanceApi(URL).find_image("recorded-image") is None


def test_the_recorded_image_has_every_field_the_module_reads(glance):
    glance("find_one")
    image = glance_api.GlanceApi(URL).find_image("recorded-image")
    assert set(glance_api.CORE) <= set(image)
    assert image["status"] == "active" and image["stores"] == "ceph" and image["size"] == 1 << 20
    assert image["direct_url"] == "rbd://%s/images/%s/snap" % (image["direct_url"].split("/")[2], image["id"])


@pytest.mark.parametrize("answer, error, words", [
    ("post_bad_disk_format", Invalid, "'floppy' is not one of"),
    ("post_same_id", Exists, "already exists"),
])
def test_glances_refusals_keep_its_words_and_status(glance, answer, error, words):
    glance(answer)
    with pytest.raises(error) as raised:
        glance_api.GlanceApi(URL).post_image({"name": "recorded-image"})
    assert raised.value.rc == recorded(answer)["status"]
    assert words in str(raised.value) and str(raised.value).startswith("Glance POST /v2/images failed: HTTP ")


def test_deleting_a_missing_image_is_not_found(glance):
    glance("delete_missing")
    with pytest.raises(NotFound) as raised:
        glance_api.GlanceApi(URL).delete_image("99bb27b9-3ee9-47be-bb34-bb5739bfb92d")
    assert raised.value.rc == 404 and "Failed to find image" in str(raised.value)


@pytest.fixture
def raw_file(monkeypatch, tmp_path):
    """A RAW source: qemu-img info says so."""
    path = tmp_path / "cirros.raw"
    path.write_bytes(b"\0" * (1 << 20))
    answer_commands(monkeypatch, QemuImgInfo())
    return str(path)


class QemuImgInfo(object):
    def __call__(self, argv, **kwargs):
        assert "info" in argv, argv
        return 0, json.dumps({"format": "raw", "virtual-size": 1 << 20}), ""


def test_glance_image_finds_the_recorded_image_unchanged(glance, raw_file, capsys):
    replay = glance("find_one")
    failed, res = run_module(GlanceImage, dict(
        name="recorded-image", file=raw_file, glance_url=URL, visibility="shared",
        properties=dict(os_distro="cirros", hw_scsi_model=None, hw_disk_bus=None, hw_qemu_guest_agent=None,
                        os_require_quiesce=None)), None, capsys)
    assert not failed and res["changed"] is False and res["commands"] == [], res
    assert res["image"]["id"] == RECORDED_IMAGE["id"] and res["image"]["properties"] == {"os_distro": "cirros"}
    assert replay.asked == ["GET /v2/images?name=recorded-image"]


def test_glance_image_patches_only_the_missing_property(glance, raw_file, capsys):
    replay = glance("find_one", "patch_image", "find_one")
    failed, res = run_module(GlanceImage, dict(
        name="recorded-image", file=raw_file, glance_url=URL, visibility="shared",
        properties=dict(os_distro="cirros", hw_disk_bus="scsi", hw_scsi_model=None, hw_qemu_guest_agent=None,
                        os_require_quiesce=None)), None, capsys)
    assert not failed and res["changed"] is True
    assert res["commands"] == ["PATCH /v2/images/%s (hw_disk_bus)" % RECORDED_IMAGE["id"]]
    assert replay.asked[1] == "PATCH /v2/images/%s" % RECORDED_IMAGE["id"]


def test_glance_image_absent_deletes_the_recorded_image(glance, capsys):
    replay = glance("find_one", "delete_image", "find_none")
    failed, res = run_module(GlanceImage, dict(name="recorded-image", state="absent", glance_url=URL), None, capsys)
    assert not failed and res["changed"] is True and res["image"] == {}
    assert res["commands"] == ["DELETE /v2/images/%s" % RECORDED_IMAGE["id"]] == replay.asked[1:2]

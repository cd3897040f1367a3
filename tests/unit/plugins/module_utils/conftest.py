"""Fixtures of the kept-open connection's tests."""
import shutil
import tempfile

import pytest

from ansible_collections.cephstack.cloud.plugins.module_utils import ceph_kept_connection_client as client_side


@pytest.fixture
def tmp(monkeypatch):
    """A short temp directory, where the client puts its sockets: Unix socket paths are limited
    to 107 bytes."""
    path = tempfile.mkdtemp(prefix="cs-", dir="/tmp")
    monkeypatch.setattr(client_side.tempfile, "gettempdir", lambda: path)
    yield path
    shutil.rmtree(path)

# Copyright: (c) 2026, cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the ceph_client_access_info module through Ansible's normal action, on a frozen worker heap (see plugin_utils/frozen_heap.py)."""
from __future__ import annotations

from ansible_collections.cephstack.cloud.plugins.plugin_utils.frozen_heap import FrozenHeapAction


class ActionModule(FrozenHeapAction):
    pass

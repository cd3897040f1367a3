# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r'''
options:
  cluster:
    description:
      - Ceph cluster name. Selects C(/etc/ceph/<cluster>.conf) when O(conf) is not set.
    type: str
    default: ceph
  conf:
    description:
      - Path to the ceph.conf used to find the monitors.
      - Defaults to Ceph's own search path (C(/etc/ceph/<cluster>.conf)).
    type: path
  client_name:
    description:
      - The cephx entity that runs the commands. It needs C(mon 'allow *') or the caps the
        module's operations require.
    type: str
    default: client.admin
  client_keyring:
    description:
      - Path to the keyring of O(client_name). Defaults to Ceph's own search path
        (C(/etc/ceph/<cluster>.<client_name>.keyring) and others).
    type: path
  connect_timeout:
    description:
      - Seconds to wait for the monitors, and for each command, before failing.
      - An unreachable cluster fails after about this long instead of hanging.
    type: int
    default: 10
  keep_connection_seconds:
    description:
      - V(0), the default, connects in every task and leaves no process behind.
      - A positive value turns on a kept-open connection, an accelerator that a play opts into.
        with librados, the first task on a host starts a helper process that keeps its connection
        to the cluster open, as ssh's C(ControlPersist) does, and the next tasks with the same
        O(cluster), O(conf), O(client_name), O(client_keyring) and O(connect_timeout) send their
        commands through it. A task then saves loading librados and connecting, about 30 ms.
      - The helper outlives the task. It stops after this many seconds without a command, and as
        soon as the conf file or a keyring it read changes. Its socket is in a directory of the
        user's own, mode 0700, and it answers only the same user.
    type: int
    default: 0
    version_added: 1.0.0
  transport:
    description:
      - How to talk to the monitors.
      - V(auto) uses librados (python3-rados) when it imports under the module's interpreter,
        and the C(ceph) CLI otherwise. A librados call costs about 1 ms, a CLI call about 0.3 s.
      - V(cephadm) runs the C(ceph), C(rados) and C(rbd) commands in C(cephadm shell), for hosts of
        a cephadm-managed cluster that have no Ceph client packages (version 0.2.0). O(conf) and
        O(client_keyring) are the host's files that C(cephadm shell) mounts (a minimal conf from
        C(ceph config generate-minimal-conf), without a C(keyring) line). A call costs about 2 s.
    type: str
    choices: [auto, librados, cli, cephadm]
    default: auto
  cephadm_image:
    description:
      - With O(transport=cephadm), the Ceph container image C(cephadm shell) runs (C(cephadm --image)).
        Defaults to cephadm's own choice, the cluster's image where it can find it.
    type: str
    version_added: 1.0.0
requirements:
  - C(python3-rados) and C(python3-rbd) under the module's interpreter for the fast transport,
    or the C(ceph), C(rados) and C(rbd) commands (package C(ceph-common)), or C(cephadm) and a
    container engine for O(transport=cephadm).
notes:
  - Supports check mode, which predicts the exact change, and diff mode, with secrets redacted.
'''

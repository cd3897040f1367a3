# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # Every cephstack module runs through ResourceModule.execute(): check mode skips only the
    # apply step and reports the same predicted change; diff shows before/after, secrets redacted.
    DOCUMENTATION = r'''
attributes:
  check_mode:
    description: Predicts the exact change (same C(changed) and C(commands)) without applying it.
    support: full
  diff_mode:
    description: Returns the resource before and after, with keys and secret values redacted.
    support: full
'''

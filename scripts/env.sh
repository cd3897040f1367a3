# shellcheck shell=bash
# Sourced by the entry scripts: the venv and the collection path of this checkout.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH=$top/.venv/bin:$PATH
export ANSIBLE_COLLECTIONS_PATH=$top/.build/collections
export ANSIBLE_CONFIG=$top/ansible.cfg

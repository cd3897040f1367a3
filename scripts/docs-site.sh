#!/usr/bin/env bash
# The collection's docs site: antsibull-docs writes a page for every module, filter and role from
# the installed collection, the operator guides (README.md and docs/*.md) join them as Markdown
# pages (myst-parser), and Sphinx builds the HTML. Every Sphinx warning must be one that the
# missing network causes (intersphinx inventories out of reach, and the docs.ansible.com labels
# that only they define); any other warning fails the build.
#
#   scripts/docs-site.sh [OUT]          # default OUT: .build/docsite (open OUT/html/index.html)
#   scripts/docs-site.sh --look [OUT]   # headless Chromium renders the landing page, a module's, a
#                                       # role's and a guide's: screenshots in OUT/screenshots
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/env.sh
. "$here/env.sh"
cd "$top"

look() {
  local out=$1 page name shot
  command -v chromium >/dev/null || { echo "docs site: chromium not installed: run scripts/bootstrap.sh" >&2; exit 1; }
  mkdir -p "$out/screenshots"
  # page, and a text that only a rendered page of it shows
  while read -r page text; do
    name=$(basename "$page" .html)
    shot=$out/screenshots/$name.png
    # the DOM after the browser ran the page's scripts
    timeout 60 chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$out/html/$page" \
      2>/dev/null >"$out/screenshots/$name.dom"
    grep -q "$text" "$out/screenshots/$name.dom" \
      || { echo "docs site: Chromium shows no '$text' on $page" >&2; exit 1; }
    timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1000 \
      --screenshot="$shot" "file://$out/html/$page" >/dev/null 2>&1
    [ "$(stat -c %s "$shot")" -gt 20000 ] || { echo "docs site: $shot is nearly empty" >&2; exit 1; }
    echo "docs site: Chromium rendered $page ($(stat -c %s "$shot") bytes of screenshot)"
  done <<'PAGES'
index.html Index of all Modules
collections/cephstack/cloud/ceph_nfs_cluster_module.html Return Values
collections/cephstack/cloud/manila_cephfs_role.html manila_cephfs_nfs_cluster_id
guides/openstack-releases.html Support table
PAGES
}

if [ "${1:-}" = --look ]; then
  look "${2:-$top/.build/docsite}"
  exit 0
fi
out=${1:-$top/.build/docsite}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# the collection as operators get it: built and installed from the tarball
# (CEPHSTACK_DOCS_COLLECTIONS: one already installed from it, as the static checks have)
if [ -n "${CEPHSTACK_DOCS_COLLECTIONS:-}" ]; then
  export ANSIBLE_COLLECTIONS_PATH=$CEPHSTACK_DOCS_COLLECTIONS
else
  ansible-galaxy collection build --force --output-path "$work/dist" . >/dev/null
  ansible-galaxy collection install --force -p "$work/collections" "$work"/dist/cephstack-cloud-*.tar.gz >/dev/null
  export ANSIBLE_COLLECTIONS_PATH=$work/collections
fi

antsibull-docs lint-collection-docs --plugin-docs "$ANSIBLE_COLLECTIONS_PATH/ansible_collections/cephstack/cloud"
mkdir -p "$work/site/rst"
chmod og-w "$work/site" "$work/site/rst"    # antsibull-docs writes only into directories that are its own
antsibull-docs sphinx-init --use-current --dest-dir "$work/site" cephstack.cloud >/dev/null
antsibull-docs --config-file "$work/site/antsibull-docs.cfg" collection --cleanup everything --use-current \
  --dest-dir "$work/site/rst" cephstack.cloud >/dev/null

# the guides, and a landing page that says what the collection is
mkdir -p "$work/site/rst/guides"
cp docs/*.md docs/*.svg "$work/site/rst/guides/"
sed -e 's|(docs/\([a-z-]*\.md\)|(guides/\1|g' README.md >"$work/site/rst/readme.md"
guides=$(cd docs && for f in *.md; do echo "   guides/${f%.md}"; done)
cat >"$work/site/rst/index.rst" <<RST
cephstack.cloud
===============

An Ansible collection that connects an existing Ceph cluster to the services that consume it:
OpenStack Glance, Cinder, Cinder backup, Nova compute and Manila, ceph-fuse clients, and Ganeti.
It creates the pools, cephx users and keyrings those services need, puts a minimal ceph.conf and
the right keyring on each client host, and sets each service's Ceph options.

.. toctree::
   :maxdepth: 1
   :caption: Start here

   readme

.. toctree::
   :maxdepth: 1
   :caption: Reference

   collections/cephstack/cloud/index
   collections/index_module
   collections/index_filter
   collections/index_role

.. toctree::
   :maxdepth: 1
   :caption: Guides

$guides
RST
cat >>"$work/site/conf.py" <<'PY'

# The operator guides are Markdown.
extensions.append('myst_parser')
source_suffix = {'.rst': 'restructuredtext', '.md': 'markdown'}
myst_heading_anchors = 3
project = title = html_short_title = 'cephstack.cloud'
PY

rm -rf "$out"
mkdir -p "$out"
sphinx-build -b html -c "$work/site" -w "$out/warnings.log" -q "$work/site/rst" "$out/html" >"$out/build.log" 2>&1 \
  || { cat "$out/build.log" >&2; exit 1; }

# the warnings that only the missing network causes
network='failed to reach any of the inventories|intersphinx inventory|undefined label: .(action_plugins|common_return_values|ansible_configuration_settings|playbooks_filters|plugins_in_ansible.cfg|general_precedence_rules|collections_installing|module_defaults|playbooks_delegation|playbooks_async|ansible_collections\.ansible\.builtin\.[a-z_]+).'
other=$(grep -E 'WARNING|ERROR' "$out/warnings.log" | grep -Ev "$network" || true)
if [ -n "$other" ]; then
  echo "docs site: warnings that the network does not explain:" >&2
  echo "$other" >&2
  exit 1
fi
pages=$(find "$out/html" -name '*.html' | wc -l)
echo "docs site: $pages pages in $out/html; $(grep -cE 'WARNING' "$out/warnings.log" || true) warnings, all from the missing network (intersphinx)"

#!/usr/bin/env bash
# Static checks: yamllint, the changelog, ansible-lint (production profile), shellcheck of the scripts
# and labs, ansible-test sanity, and galaxy build + install + ansible-doc of every module.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/env.sh
. "$here/env.sh"
cd "$top"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== yamllint"
yamllint -s .

echo "== changelog: fragments, changelog.yaml, and CHANGELOG.rst generated from them"
antsibull-changelog lint
antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
antsibull-changelog generate --output "$work/CHANGELOG.rst" 2>/dev/null
diff -u CHANGELOG.rst "$work/CHANGELOG.rst" || { echo "CHANGELOG.rst is not what changelogs/ generates" >&2; exit 1; }

echo "== ansible-lint (production profile)"
ansible-lint --profile production --offline -q

echo "== ansible-galaxy build, install, ansible-doc"
ansible-galaxy collection build --force --output-path "$work/dist" . >/dev/null
shipped=$(tar -tzf "$work"/dist/cephstack-cloud-*.tar.gz | cut -d/ -f1 | sort -u | tr '\n' ' ')
echo "tarball top level: $shipped"
[ "$shipped" = "CHANGELOG.rst FILES.json MANIFEST.json README.md changelogs docs meta playbooks plugins roles " ] \
  || { echo "the tarball ships something unplanned or misses something: $shipped" >&2; exit 1; }
tar -tzf "$work"/dist/cephstack-cloud-*.tar.gz | grep -q '^playbooks/inventory' && { echo "lab inventory shipped" >&2; exit 1; }
ANSIBLE_COLLECTIONS_PATH=$work/installed ansible-galaxy collection install --force -p "$work/installed" "$work"/dist/cephstack-cloud-*.tar.gz >/dev/null
# what ansible-builder takes from the installed collection for an execution environment
ansible-builder introspect "$work/installed" >"$work/ee-deps.yml"
grep -q "ceph-common \[platform:dpkg platform:rpm\]  # from collection cephstack.cloud" "$work/ee-deps.yml" \
  || { cat "$work/ee-deps.yml" >&2; echo "ansible-builder finds no system packages in the collection" >&2; exit 1; }
echo "ansible-builder introspect: $(grep -c 'from collection cephstack.cloud' "$work/ee-deps.yml") system packages"
for m in plugins/modules/*.py; do
  name=$(basename "$m" .py)
  ANSIBLE_COLLECTIONS_PATH=$work/installed ansible-doc "cephstack.cloud.$name" >/dev/null
  echo "ansible-doc cephstack.cloud.$name: ok"
done
for f in plugins/filter/*.yml; do
  name=$(basename "$f" .yml)
  ANSIBLE_COLLECTIONS_PATH=$work/installed ansible-doc -t filter "cephstack.cloud.$name" >/dev/null
  echo "ansible-doc -t filter cephstack.cloud.$name: ok"
done
for r in roles/*/; do
  name=$(basename "$r")
  ANSIBLE_COLLECTIONS_PATH=$work/installed ansible-doc -t role "cephstack.cloud.$name" >/dev/null
  echo "ansible-doc -t role cephstack.cloud.$name: ok"
done

echo "== docs site (antsibull-docs and Sphinx), looked at in headless Chromium"
CEPHSTACK_DOCS_COLLECTIONS=$work/installed "$here/docs-site.sh" "$work/docsite"
"$here/docs-site.sh" --look "$work/docsite"

echo "== shellcheck (the scripts and labs, which sanity leaves out)"
mapfile -t shell_files < <(grep -lsE '^#!/usr/bin/env bash|^#!/bin/(ba)?sh|^# shellcheck shell=' scripts/* lab/*)
shellcheck -x -S warning "${shell_files[@]}"
echo "shellcheck: ${#shell_files[@]} files ok"

echo "== ansible-test sanity"
# ansible-test downloads get-pip.py from a host this network cannot reach; use ours.
pip_version=$(python - <<'PY'
import re, ansible_test, pathlib
src = (pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py").read_text()
print(re.search(r"pip='([0-9.]+)'", src).group(1))
PY
)
mkdir -p ~/.ansible/test/cache
cp "$here/get-pip-offline.py" ~/.ansible/test/cache/"get_pip_${pip_version//./_}.py"
dest=$work/sanity/ansible_collections/cephstack/cloud
mkdir -p "$dest"
git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C "$dest"
(cd "$dest" && git init -q && git add -A && \
  ansible-test sanity --requirements --python "$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')" --color no \
    --exclude lab/ --exclude scripts/ --exclude extensions/ 2>&1 | grep -v '^Running sanity test' || exit 1)

echo "== ansible-test sanity and the unit tests on the newest ansible-core, in the execution environment"
# ee/execution-environment.yml: the ansible-core and Python that AWX runs (2.21 on Python 3.13);
# the lowest supported ansible-core is the one above (requirements.txt). pip in the container
# trusts what pip here trusts: the host's CA bundle.
ee_image=$("$here/ee-image.sh")
cp "$here/get-pip-offline.py" "$work/sanity/get-pip-offline.py"
grep -E '^(pytest|jsonschema|antsibull-changelog)==' requirements.txt >"$work/sanity/unit-requirements.txt"
podman run --rm --runtime runc --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 --network host -u 0 \
  -e HOME=/root -v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro \
  -v "$work/sanity:/src" -w /src/ansible_collections/cephstack/cloud --entrypoint bash "$ee_image" -c '
    set -euo pipefail
    ansible --version | head -1
    python3 --version
    pip_version=$(python3 -c "import re, ansible_test, pathlib; print(re.search(r\"pip=.([0-9.]+).\", (pathlib.Path(ansible_test.__file__).parent / \"_internal\" / \"python_requirements.py\").read_text()).group(1))")
    mkdir -p ~/.ansible/test/cache
    cp /src/get-pip-offline.py ~/.ansible/test/cache/"get_pip_${pip_version//./_}.py"
    ansible-test sanity --requirements --python "$(python3 -c "import sys; print(\"%d.%d\" % sys.version_info[:2])")" \
      --color no --skip-test shellcheck --exclude lab/ --exclude scripts/ --exclude extensions/ >/tmp/sanity.log 2>&1 \
      || { grep -v "^Running sanity test" /tmp/sanity.log | tail -60; exit 1; }
    echo "ansible-test sanity: ok"
    pip install -q --root-user-action ignore -r /src/unit-requirements.txt
    python3 -m pytest -q -p no:cacheprovider tests/unit | tail -1' 2>&1 | grep -v -E "CryptographyDeprecationWarning|from cryptography.hazmat|^  from "
echo "static checks: ok"

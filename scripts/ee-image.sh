#!/usr/bin/env bash
# ee-image.sh: build the execution environment of ee/execution-environment.yml (ansible-builder)
# with the collection of this checkout, and print its name. Cached by recipe hash like the other
# images: the hash covers the EE definition and every file of the collection.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/env.sh
. "$here/env.sh"
# shellcheck source=scripts/image-lib.sh
. "$here/image-lib.sh"
version=$(sed -n 's/^version: *//p' "$top/galaxy.yml")
image=localhost/cephstack-ee:$version
# One build at a time: the release streams and the static checks may ask at once.
exec 9>/var/tmp/cephstack-ee-image.lock
flock 9
build_base localhost/cephstack-base:trixie trixie >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$top"/ee/* "$work/"
ansible-galaxy collection build "$top" --output-path "$work/dist" >/dev/null
mv "$work"/dist/cephstack-cloud-*.tar.gz "$work/cephstack-cloud.tar.gz"
hash=$( (echo "$base_hash"; cat "$top"/ee/*; tar -xzOf "$work/cephstack-cloud.tar.gz" FILES.json) | sha256sum | cut -c1-16)
if [ "$(current_hash "$image")" != "$hash" ]; then
  echo "images: building $image (ansible-builder)" >&2
  if ! ansible-builder build -f "$work/execution-environment.yml" -c "$work/context" -t "$image" \
       --container-runtime podman -v 1 --extra-build-cli-args "${podman_opts[*]} --network host \
         --label cephstack.recipe=$hash --volume /etc/ssl/certs/ca-certificates.crt:/run/host-ca.crt:ro" \
       >"$work/build.log" 2>&1; then
    tail -40 "$work/build.log" >&2; exit 1
  fi
fi
echo "$image"

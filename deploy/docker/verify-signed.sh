#!/bin/bash
# verify-signed KEY_URL FINGERPRINT SIGNATURE FILE
# Used by the Dockerfile: imports a release signing key only if it has the pinned fingerprint,
# then checks FILE's detached signature with it. Any mismatch fails the build.
set -euo pipefail
export GNUPGHOME="$(mktemp -d)"
trap 'rm -rf "$GNUPGHOME"' EXIT
curl -fsSL --retry 3 -o "$GNUPGHOME/key.asc" "$1"
found="$(gpg --batch --with-colons --import-options show-only --import "$GNUPGHOME/key.asc" | awk -F: '$1 == "fpr" { print $10; exit }')"
if [ "$found" != "$2" ]; then
  echo "signing key at $1 has fingerprint $found, expected $2" >&2
  exit 1
fi
gpg --batch --quiet --import "$GNUPGHOME/key.asc"
gpg --batch --verify "$3" "$4"

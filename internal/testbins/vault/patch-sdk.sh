#!/usr/bin/env bash
# patch-sdk.sh DEST copies github.com/hashicorp/vault/sdk v0.9.2 out of the Go
# module cache into DEST and removes one start-up validation from
# framework/backend.go. That tag added a check ("Pattern %v defines a
# CreateOperation but no ExistenceCheck") after Vault v1.14.2's code was
# written, so the unpatched pair panics on the dev server's first request.
# go.mod replaces the sdk with this copy. Nothing else is changed.
set -euo pipefail
dest="$1"
src="$(cd /tmp && GOFLAGS= go mod download -json github.com/hashicorp/vault/sdk@v0.9.2 | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
if [[ -z "$src" || ! -f "$src/framework/backend.go" ]]; then
	echo "patch-sdk: could not download github.com/hashicorp/vault/sdk@v0.9.2 from the module proxy" >&2
	exit 1
fi
rm -rf "$dest" && mkdir -p "$dest"
cp -r "$src"/. "$dest"/
chmod -R u+w "$dest"
f="$dest/framework/backend.go"
perl -0pi -e 's/\t\t\/\/ Detect the coding error of attempting to define a CreateOperation without defining an ExistenceCheck\n\t\tif p\.ExistenceCheck == nil \{.*?\n\t\t\}\n//s' "$f"
if grep -q "defines a CreateOperation but no ExistenceCheck" "$f"; then
	echo "patch-sdk: the validation block was not found in $f; the patch no longer applies" >&2
	exit 1
fi

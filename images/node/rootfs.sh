#!/usr/bin/env bash
# Builds the node root file system from Debian packages and writes it as a tarball.
# usage: bash rootfs.sh <packages.txt> <output.tar> <suite> <mirror>
# Needs root and debootstrap. Runs offline against the configured Debian mirror.
set -euo pipefail
packages_file=$1 out=$2 suite=${3:-bookworm} mirror=${4:-http://deb.debian.org/debian}
work=$(mktemp -d "${out}.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
target=$work/rootfs
include=$(grep -v '^\s*#' "$packages_file" | grep -v '^\s*$' | paste -sd, -)
echo "debootstrap $suite with: $include"
debootstrap --variant=minbase --include="$include" "$suite" "$target" "$mirror"
# Trim what a node never uses: docs, man pages, locales, apt caches and lists.
rm -rf "$target"/usr/share/doc/* "$target"/usr/share/man/* "$target"/usr/share/info/* \
  "$target"/usr/share/locale/* "$target"/usr/share/lintian "$target"/var/cache/apt/* \
  "$target"/var/lib/apt/lists/* "$target"/var/log/* "$target"/var/cache/debconf/*-old \
  "$target"/usr/share/common-licenses
# No machine-id in the image: the entrypoint makes a fresh one per node.
: > "$target"/etc/machine-id
rm -f "$target"/var/lib/dbus/machine-id
# Deterministic order and owners make the tarball reproducible enough for caching.
tar --numeric-owner --sort=name -C "$target" -cf "$out.tmp" .
mv "$out.tmp" "$out"
echo "rootfs written: $out ($(du -h "$out" | cut -f1))"

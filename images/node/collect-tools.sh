#!/usr/bin/env bash
# Runs inside the node root file system: copies the packet-filter tools that
# kube-proxy and paddocknet call (iptables/ip6tables in nft and legacy
# flavours, nft, conntrack, ipset) with the shared libraries they load into
# <out>, as a tree to lay over a scratch image.
# Also lays out the local-path-provisioner helper (Debian's busybox-static
# with the applets its scripts use) in <helper-out>.
# usage: bash collect-tools.sh <out> <helper-out>
set -euo pipefail
out=$1 helper=$2
mkdir -p "$helper/bin" "$helper/tmp"
chmod 1777 "$helper/tmp"
cp /bin/busybox "$helper/bin/busybox"
for a in sh mkdir rm rmdir ls cat echo chmod chown test sleep; do ln -sf busybox "$helper/bin/$a"; done
mkdir -p "$out/usr/sbin" "$out/usr/lib" "$out/usr/lib64" "$out/etc"
# Debian's merged /usr: keep the same top-level links so every path ldd prints resolves.
for d in bin sbin lib lib64; do ln -sfn "usr/$d" "$out/$d"; done
mkdir -p "$out/usr/bin"
bins=(/usr/sbin/xtables-nft-multi /usr/sbin/xtables-legacy-multi /usr/sbin/nft /usr/sbin/conntrack /usr/sbin/ipset)
# add <path>: copies the file under its real directory, following symlink chains.
add() {
  local p=$1 dir base
  dir=$(readlink -f "$(dirname "$p")") base=$(basename "$p")
  [[ -e "$out$dir/$base" || -L "$out$dir/$base" ]] && return 0
  mkdir -p "$out$dir"
  cp -a "$dir/$base" "$out$dir/$base"
  if [[ -L "$dir/$base" ]]; then add "$(readlink -f "$dir/$base")"; fi
}
add_with_libs() {
  local f=$1 lib
  add "$f"
  for lib in $(ldd "$f" | awk '/=>/ { print $3 } /^[[:space:]]*\/lib/ { print $1 }'); do
    [[ -e "$lib" ]] && add "$lib"
  done
}
for b in "${bins[@]}"; do add_with_libs "$b"; done
# iptables loads its match/target extensions at run time.
for lib in /usr/lib/x86_64-linux-gnu/xtables/*.so; do add_with_libs "$lib"; done
# The nft flavour is the default (as on the node, which selects it at boot).
for t in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
  ln -sf xtables-nft-multi "$out/usr/sbin/$t"
  ln -sf xtables-nft-multi "$out/usr/sbin/${t/tables/tables-nft}"
  ln -sf xtables-legacy-multi "$out/usr/sbin/${t/tables/tables-legacy}"
done
[[ -e /etc/ethertypes ]] && cp -a /etc/ethertypes "$out/etc/"
[[ -e /etc/protocols ]] && cp -a /etc/protocols "$out/etc/"
mkdir -p "$out/run" "$out/tmp" "$out/var"
ln -sfn ../run "$out/var/run"
chmod 1777 "$out/tmp"
echo "collected $(find "$out" -type f | wc -l) files, $(du -sh "$out" | cut -f1)"

#!/bin/bash
# Runs inside a temporary container of the node image while it is built:
# imports the component images into containerd's k8s.io namespace under the
# names kubeadm expects, then leaves the unpacked store in /var/lib/containerd
# (committed into the image, so creating a cluster never imports anything).
# usage: bash preload.sh <images.tar> <stage-ref>=<final-ref>...
# containerd runs with its root on a tmpfs (/preload): its overlayfs
# snapshotter cannot use the container's own overlay root as upper dir.
set -euo pipefail
archive=$1; shift
root=/preload/root state=/preload/state sock=/preload/state/containerd.sock
mkdir -p "$root" "$state"
containerd --root "$root" --state "$state" --address "$sock" --config /etc/containerd/config.toml >/preload/containerd.log 2>&1 &
ctd=$!
for _ in $(seq 1 100); do ctr --address "$sock" version >/dev/null 2>&1 && break; sleep 0.1; done
ctr --address "$sock" version >/dev/null || { cat /preload/containerd.log; exit 1; }
c() { ctr --address "$sock" --namespace k8s.io "$@"; }
# Layers are unpacked into snapshots and then dropped from the content store:
# the node never needs them again, and every byte under /var costs create time.
c images import --local --discard-unpacked-layers --snapshotter overlayfs "$archive"
for pair in "$@"; do
  from=${pair%%=*} to=${pair#*=}
  c images tag --force "$from" "$to" >/dev/null
done
for from in $(for pair in "$@"; do echo "${pair%%=*}"; done | sort -u); do
  c images rm "$from" >/dev/null
done
c images ls -q | sort
# Stop containerd cleanly so its bolt databases are consistent.
kill -TERM "$ctd"; wait "$ctd" || true
rm -rf /var/lib/containerd
cp -a "$root" /var/lib/containerd
echo "preloaded: $(du -sh /var/lib/containerd | cut -f1) in /var/lib/containerd"

#!/bin/bash
# Runs once while the node image is built (docker build RUN step): turns the
# Debian root file system into a node that boots systemd inside a container.
set -euxo pipefail

# Only what a node container needs at boot: no udev, gettys, hardware or
# kernel-module units (the container has none of those).
rm -f /lib/systemd/system/multi-user.target.wants/* \
      /etc/systemd/system/*.wants/* \
      /lib/systemd/system/local-fs.target.wants/* \
      /lib/systemd/system/sockets.target.wants/*udev* \
      /lib/systemd/system/sockets.target.wants/*initctl* \
      /lib/systemd/system/sysinit.target.wants/systemd-tmpfiles-setup* \
      /lib/systemd/system/basic.target.wants/*
systemctl mask systemd-udevd.service systemd-udev-trigger.service systemd-modules-load.service \
  systemd-firstboot.service getty.target console-getty.service systemd-remount-fs.service \
  sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount dev-hugepages.mount \
  systemd-binfmt.service proc-sys-fs-binfmt_misc.automount
systemctl set-default multi-user.target
systemctl enable containerd.service kubelet.service
# The journal cannot read the host's kernel log.
mkdir -p /etc/systemd/journald.conf.d
printf '[Journal]\nReadKMsg=no\nStorage=volatile\n' > /etc/systemd/journald.conf.d/10-paddock.conf

mkdir -p /etc/cni/net.d /opt/cni/bin /etc/kubernetes/manifests /var/lib/kubelet /var/lib/containerd /var/log
# iptables flavour: nft by default; the entrypoint re-selects at every boot.
update-alternatives --set iptables /usr/sbin/iptables-nft
update-alternatives --set ip6tables /usr/sbin/ip6tables-nft
# Kubernetes expects these sysctls; the entrypoint cannot rely on modules.
mkdir -p /etc/sysctl.d
printf 'net.ipv4.ip_forward=1\nnet.ipv4.conf.all.route_localnet=1\nfs.inotify.max_user_watches=524288\nfs.inotify.max_user_instances=512\n' > /etc/sysctl.d/10-paddock.conf

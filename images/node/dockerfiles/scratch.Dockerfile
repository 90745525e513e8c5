# A scratch image made of one tree (etcd, local-path-provisioner, its helper).
FROM scratch
COPY root/ /
ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin

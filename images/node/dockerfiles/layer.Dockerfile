# A previous stage plus one tree: kube-proxy (kube-base + packet-filter
# tools) and paddocknet (kube-proxy + its binary), so layers are shared.
ARG BASE
FROM ${BASE}
COPY root/ /
ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin

# The node image before preloading: the Debian root file system plus
# Paddock's binaries and files (build context prepared by the builder).
ARG BASE
FROM ${BASE}
COPY root/ /
RUN ["/bin/bash", "/usr/local/lib/paddock/setup-node.sh"]
ENV container=docker
STOPSIGNAL SIGRTMIN+3
ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]

# kube-apiserver, kube-controller-manager and kube-scheduler (one image, three
# names) and the first layer of kube-proxy: the multi-call binary and its links.
FROM scratch
COPY root/ /
ENV PATH=/usr/local/bin:/usr/bin:/bin

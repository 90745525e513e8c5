FROM scratch
COPY root/ /
EXPOSE 53 53/udp
ENTRYPOINT ["/coredns"]

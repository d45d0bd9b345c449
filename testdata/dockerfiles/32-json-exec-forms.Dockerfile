FROM busybox:1.36
COPY ["a file.txt", "b.txt", "/dest/"]
VOLUME ["/data", "/logs"]
SHELL ["/bin/sh", "-eo", "pipefail", "-c"]
RUN ["echo", "exec form"]
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["echo $HOME"]
STOPSIGNAL SIGTERM
USER nobody:nogroup

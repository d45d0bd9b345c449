FROM --platform=$BUILDPLATFORM golang:1.22 AS tools
ARG TARGETOS TARGETARCH
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go install github.com/example/tool@v1.2.3
FROM python:3.12-slim
COPY --from=tools /go/bin/ /usr/local/bin/
ARG VERSION=dev
LABEL org.opencontainers.image.version=$VERSION \
      org.opencontainers.image.source="https://github.com/example/app"
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://localhost:8000/health')"
EXPOSE ${PORT:-7860}
CMD ["python", "-m", "app"]

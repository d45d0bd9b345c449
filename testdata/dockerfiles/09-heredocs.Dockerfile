# syntax=docker/dockerfile:1
FROM python:3.12-slim
RUN <<EOF
set -eux
apt-get update
apt-get install -y --no-install-recommends curl
rm -rf /var/lib/apt/lists/*
EOF
COPY <<-EOT /etc/app/config.toml
	[server]
	port = 8080
	EOT
RUN <<'PY' python3
import sys
print("building on", sys.version)
PY
COPY --chmod=755 <<EOF /usr/local/bin/entry
#!/bin/sh
exec python -m app "\$@"
EOF
ENTRYPOINT ["/usr/local/bin/entry"]

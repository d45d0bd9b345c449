FROM debian:bookworm
RUN apt-get update && apt-get install -y curl ca-certificates
RUN curl -fsSL https://example.com/install.sh | sh
RUN wget -qO- https://example.com/setup | bash -s -- --yes
RUN curl -k https://insecure.example.com/file -o /tmp/file
RUN pip install --trusted-host pypi.example.com somepkg
ENV PYTHONHTTPSVERIFY=0

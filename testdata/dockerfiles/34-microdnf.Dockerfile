FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4
RUN microdnf install -y python3.11 python3.11-pip && microdnf clean all
RUN dnf install -y gcc || yum install -y gcc
COPY . /opt/app
USER 1001
CMD ["python3.11", "/opt/app/main.py"]

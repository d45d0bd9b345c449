FROM ubuntu:22.04
RUN apt-get update
RUN apt-get install -y python3 python3-pip
RUN pip3 install -r /tmp/requirements.txt || true
RUN rm -rf /var/lib/apt/lists/* /root/.cache/pip
COPY . /srv
CMD ["python3", "/srv/app.py"]

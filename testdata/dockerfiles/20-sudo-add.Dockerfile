FROM ubuntu:latest
RUN apt-get update && apt-get install -y sudo python3
ADD requirements.txt /app/
ADD https://example.com/model.tar.gz /models/
ADD data.tar.gz /data/
RUN sudo pip3 install -r /app/requirements.txt
USER root
CMD python3 -m http.server

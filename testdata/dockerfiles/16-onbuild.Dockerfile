FROM python:3.9-slim
ONBUILD COPY requirements.txt /usr/src/app/
ONBUILD RUN pip install --no-cache-dir -r /usr/src/app/requirements.txt
ONBUILD COPY . /usr/src/app
WORKDIR /usr/src/app

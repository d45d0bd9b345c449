FROM nvidia/cuda:12.4.1-cudnn-devel-ubuntu22.04
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y python3 python3-pip git wget
RUN pip3 install torch torchvision torchaudio
RUN pip3 install transformers accelerate bitsandbytes
COPY . /workspace
WORKDIR /workspace
CMD python3 serve.py

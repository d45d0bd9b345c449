FROM pytorch/pytorch:2.3.1-cuda12.1-cudnn8-runtime
WORKDIR /workspace
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
ENV NVIDIA_VISIBLE_DEVICES=all
CMD ["python", "train.py", "--epochs", "10"]

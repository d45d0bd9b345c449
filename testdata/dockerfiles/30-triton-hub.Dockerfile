FROM python:3.11-slim
ENV HF_HOME=/opt/hf TORCH_HOME=/opt/torch
RUN pip install --no-cache-dir torch torchvision --index-url https://download.pytorch.org/whl/cpu \
 && pip install --no-cache-dir transformers
RUN python -c "import torchvision; torchvision.models.resnet50(weights='DEFAULT')"
RUN python -c "from huggingface_hub import snapshot_download; snapshot_download('distilbert-base-uncased')"
COPY app.py /app.py
CMD ["python", "/app.py"]

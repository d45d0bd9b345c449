FROM python:3.10
RUN pip install --upgrade pip && pip install transformers torch sentencepiece
RUN python -c "from transformers import AutoModel, AutoTokenizer; AutoModel.from_pretrained('bert-base-uncased'); AutoTokenizer.from_pretrained('bert-base-uncased')"
RUN huggingface-cli download sentence-transformers/all-MiniLM-L6-v2 --local-dir /models/minilm
COPY . /app
CMD ["python", "/app/app.py"]

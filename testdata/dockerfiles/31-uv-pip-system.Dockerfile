FROM python:3.12-slim
COPY --from=ghcr.io/astral-sh/uv:latest /uv /bin/uv
COPY requirements.txt .
RUN uv pip install --system -r requirements.txt
RUN uv pip install --system --no-cache torch --torch-backend=cpu
COPY . /app
CMD ["python", "/app/main.py"]

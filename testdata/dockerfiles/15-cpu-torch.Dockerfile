FROM python:3.11-slim
WORKDIR /app
RUN pip install --no-cache-dir torch==2.4.1 --index-url https://download.pytorch.org/whl/cpu
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN groupadd -r app && useradd -r -g app app && chown -R app:app /app
USER app
CMD ["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "app.main:app"]

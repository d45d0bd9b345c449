FROM python:3.11-slim
RUN pip install --no-cache-dir fastapi uvicorn jupyter notebook ipython pytest matplotlib black
COPY . /app
CMD ["uvicorn", "app:app"]

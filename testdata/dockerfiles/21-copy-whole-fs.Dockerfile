FROM python:3.11 AS full
RUN pip install --no-cache-dir numpy
FROM python:3.11-slim
COPY --from=full / /
CMD ["python"]

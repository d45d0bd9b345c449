FROM python:3.11-slim
ARG AWS_SECRET_ACCESS_KEY
ARG GITHUB_TOKEN=ghp_example
ENV OPENAI_API_KEY=sk-placeholder
ENV DB_PASSWORD=hunter2
RUN --mount=type=secret,id=netrc,target=/root/.netrc pip install --no-cache-dir private-pkg
COPY . /app
CMD ["python", "/app/main.py"]

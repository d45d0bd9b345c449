FROM python:3.11-slim as base
ENV POETRY_VERSION=1.8.3 \
    POETRY_HOME=/opt/poetry \
    POETRY_VIRTUALENVS_IN_PROJECT=true \
    POETRY_NO_INTERACTION=1
RUN pip install "poetry==$POETRY_VERSION"
WORKDIR /code
COPY pyproject.toml poetry.lock ./
RUN poetry install --no-root --only main && rm -rf $POETRY_CACHE_DIR
COPY . .
RUN poetry install --only-root
CMD ["poetry", "run", "python", "-m", "service"]

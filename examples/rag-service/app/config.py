"""Settings read from the environment."""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    model_name: str = os.environ.get("MODEL_NAME", "sentence-transformers/all-MiniLM-L6-v2")
    docs_dir: str = os.environ.get("DOCS_DIR", "data/docs")
    redis_url: str = os.environ.get("REDIS_URL", "")
    top_k: int = int(os.environ.get("TOP_K", "3"))


settings = Settings()

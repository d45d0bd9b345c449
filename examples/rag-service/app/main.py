"""HTTP API: a health check and a retrieval endpoint."""

from fastapi import FastAPI
from pydantic import BaseModel

from app import rag
from app.config import settings

app = FastAPI(title="rag-service")


class Query(BaseModel):
    question: str
    top_k: int | None = None


@app.get("/health")
def health() -> dict:
    return {"status": "ok", "model": settings.model_name}


@app.post("/query")
def query(q: Query) -> dict:
    return {"question": q.question, "results": rag.retrieve(q.question, q.top_k)}

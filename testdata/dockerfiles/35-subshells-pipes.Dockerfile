FROM python:3.11-slim
RUN set -eux; \
    (cd /tmp && pip download --no-deps somepkg==1.0) ; \
    pip install /tmp/*.whl | tee /tmp/log && rm -rf /tmp/*.whl; \
    { echo done; } > /dev/null
RUN python -m pip install --no-cache-dir "uvicorn[standard]>=0.30" 'fastapi<1'
CMD ["uvicorn", "main:app"]

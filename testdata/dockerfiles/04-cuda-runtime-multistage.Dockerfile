ARG CUDA=12.1.1
FROM nvidia/cuda:${CUDA}-cudnn8-devel-ubuntu22.04 AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3-dev python3-pip ninja-build \
    && rm -rf /var/lib/apt/lists/*
RUN pip3 install --no-cache-dir torch==2.3.1 packaging wheel
RUN pip3 wheel --no-cache-dir --no-build-isolation flash-attn==2.5.9 -w /wheels

FROM nvidia/cuda:${CUDA}-cudnn8-runtime-ubuntu22.04
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-pip \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /wheels /wheels
RUN pip3 install --no-cache-dir torch==2.3.1 /wheels/*.whl && rm -rf /wheels
COPY src/ /srv/
USER 1000
ENTRYPOINT ["python3", "/srv/infer.py"]

FROM python:3.11-slim
RUN echo one \
    && echo two
CMD ["python"]

FROM python:3.11-alpine
RUN apk add --no-cache gcc musl-dev linux-headers g++
RUN pip install numpy pandas scikit-learn
COPY . /app
WORKDIR /app
CMD ["python", "app.py"]

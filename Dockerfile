# Lupa: gunicorn on a slim Python, as a non-root user.
#   docker build -t lupa .
#   docker run --rm -e LUPA_DATABASE_URL=... lupa lupa db upgrade      # migrations: own step
#   docker run -p 8000:8000 -e LUPA_DATABASE_URL=... -e LUPA_REDIS_URL=... \
#       -e LUPA_SECRET_KEY=... -e LUPA_SIGNING_KEY=... -e LUPA_ENCRYPTION_KEY=... \
#       -e LUPA_METRICS_TOKEN=... \
#       -e LUPA_PUBLIC_URL=https://consent.example.fi lupa    # lupa serve refuses weak values
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    LUPA_INSTANCE_PATH=/var/lib/lupa \
    LUPA_MIGRATIONS_DIR=/app/migrations

WORKDIR /app
RUN useradd --system --uid 10001 --home-dir /var/lib/lupa --create-home lupa

# Dependencies only from the hash-pinned lock (scripts/lock.sh), then Lupa without them.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock
COPY pyproject.toml README.md ./
COPY service ./service
RUN pip install --no-deps . && pip check
COPY migrations ./migrations

USER lupa
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz').status==200 else 1)"
CMD ["lupa", "serve", "--bind", "0.0.0.0:8000"]

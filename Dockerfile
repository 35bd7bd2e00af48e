# crisis_screen as an HTTP service: `crisis-screen serve` on port 8000.
#
#   docker build -t crisis-screen .
#   docker run --rm -p 8000:8000 -e CRISIS_SCREEN_API_KEY="$(openssl rand -hex 24)" crisis-screen
#
# Tesseract (scanned PDFs and images) and antiword (legacy .doc) are installed too; drop them
# from the apt line for a smaller image that answers those files with an error record.

FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md CHANGELOG.md ./
COPY src ./src
COPY lexicon ./lexicon
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[server]"

FROM python:3.12-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng antiword \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels "crisis_screen[server]" \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin screen
USER 10001
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
EXPOSE 8000
# /health is 200 once every worker has built its screener, 503 while starting or draining.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).status != 200)"]
# SIGTERM (docker stop) drains the requests in flight, then exits 0; allow for it with
# `docker stop -t 40` or Kubernetes' terminationGracePeriodSeconds (the default drain is 30 s).
STOPSIGNAL SIGTERM
ENTRYPOINT ["crisis-screen", "serve", "--host", "0.0.0.0", "--port", "8000"]
CMD ["--workers", "2"]

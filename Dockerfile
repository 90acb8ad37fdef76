# The publisher image: one image for migrate, worker, beat, web and (with EXTRAS=flower) flower.
#
#   docker build -t publisher .
#   docker build --build-arg EXTRAS=flower -t publisher-flower .
#
# The package is installed in editable mode from /app because the Jinja2 templates live in
# /app/templates, next to the package (publisher/templating.py finds them there).
FROM python:3.11-slim

ARG EXTRAS=""

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY . /app

RUN pip install -e ".[postgres${EXTRAS:+,${EXTRAS}}]" \
 && useradd --system --uid 10001 --home-dir /var/lib/publisher publisher \
 && mkdir -p /var/lib/publisher /srv/site \
 && chown -R publisher:publisher /var/lib/publisher /srv/site

USER publisher
CMD ["publisher", "--help"]

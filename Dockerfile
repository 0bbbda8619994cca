# The RAIDT provenance service. `docker compose up` builds it and wires it to Neo4j.
FROM node:20-slim AS web
WORKDIR /app/visualisation/web
COPY visualisation/web/package.json visualisation/web/package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY provenance provenance
COPY queries queries
COPY visualisation visualisation
COPY api api
COPY --from=web /app/visualisation/web/node_modules visualisation/web/node_modules
RUN pip install --no-cache-dir -e . && useradd --create-home raidt && mkdir /data && chown raidt /data
USER raidt
ENV RAIDT_KEYS=/data/raidt-keys.db
EXPOSE 8000
CMD ["raidt", "serve", "--host", "0.0.0.0", "--port", "8000"]

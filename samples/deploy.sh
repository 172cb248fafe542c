#!/usr/bin/env bash
# Deploys a blog by hand, as its README says: a database loaded from a dump, a cache that joins
# the network afterwards, the API, and a one-off migration whose log is kept. Run it from here.
set -euo pipefail

REGISTRY=registry.example.com/blog
export POSTGRES_PASSWORD=change-me
if [ "${1:-}" = prod ]; then
  TAG=2.3.0
else
  TAG=edge
fi

docker network create blognet

DB_ID=$(docker run -d --name blog-db --network blognet \
  -e POSTGRES_PASSWORD \
  -v blog-db:/var/lib/postgresql/data \
  postgres:16-alpine)

docker run -i --name blog-schema --network blognet -e PGHOST=blog-db \
  postgres:16-alpine psql -U postgres blog < schema.sql

docker run -d --name cache redis:7-alpine
docker network connect --alias sessions blognet cache

docker run -d --name api --network blognet -p 8080:8080 \
  -e DATABASE_URL=postgres://postgres@blog-db:5432/blog \
  -e SESSION_URL=redis://sessions:6379 \
  -e LOG_LEVEL \
  -v "$(pwd)/config:/etc/blog:ro" \
  "$REGISTRY/api:$TAG" || true

docker run --name migrate --network blognet "$REGISTRY/api:$TAG" migrate --to "$SCHEMA_VERSION" 2>&1 | tee migrate.log

echo "database: $DB_ID"

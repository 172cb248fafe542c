#!/bin/sh
# A small web shop started by hand: a user network, a database with a named volume,
# a cache, the app and a background mailer. Variables are set once at the top.
set -e

TAG=2.4.1
DB_USER=shop
export APP_PORT=8080

docker network create shopnet
docker volume create shop-db-data

docker run -d --name shop-db --network shopnet \
  -e POSTGRES_USER=$DB_USER \
  -e POSTGRES_PASSWORD=change-me \
  -v shop-db-data:/var/lib/postgresql/data \
  --health-cmd "pg_isready -U $DB_USER" --health-interval 10s --health-retries 5 \
  --restart unless-stopped \
  postgres:16-alpine

docker run -d --name cache --network shopnet --network-alias sessions \
  -m 256m --cpus 0.5 redis:7-alpine redis-server --appendonly yes

docker run -d --name shop --network shopnet \
  -p ${APP_PORT}:8080 \
  -e DATABASE_URL=postgres://${DB_USER}@shop-db:5432/shop \
  -e SESSION_STORE=redis://sessions:6379/0 \
  -e SECRET_KEY_BASE \
  --read-only --tmpfs /tmp:size=64m \
  -u 1000:1000 -w /srv/app \
  example/webshop:${TAG:-latest}

docker run -d --name mailer --network shopnet \
  -e SMTP_HOST=smtp.example.com -e QUEUE_HOST=cache \
  -v "$(pwd)/templates:/templates:ro" \
  example/webshop:${TAG} bin/mailer --concurrency 2

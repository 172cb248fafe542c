#!/bin/sh
# Every program a stand-in image names (docker-entrypoint.sh, redis-server, postgres, gunicorn,
# tini, node, dotnet) is this script: it ignores its arguments and idles until told to stop.
trap 'exit 0' TERM INT
while :; do
    sleep 3600 &
    wait $!
done

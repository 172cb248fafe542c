#!/bin/sh
# A static site behind nginx, with its config kept beside this script (static-site/nginx.conf),
# uploads on the office NFS server that the API writes to, and nginx's default pages in a named volume.
docker network create site
docker volume create --driver local --opt type=nfs --opt o=addr=192.0.2.10,rw,nfsvers=4.1 \
  --opt device=:/exports/uploads uploads
docker run -d --name api --network site -v uploads:/srv/uploads -e UPLOAD_DIR=/srv/uploads \
  --expose 8080 myorg/site-api:2.1
docker run -d --name web --network site -p 8080:80 \
  -v ./static-site/nginx.conf:/etc/nginx/nginx.conf:ro \
  -v pages:/usr/share/nginx/html \
  nginx:1.27

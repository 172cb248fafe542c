# Stand-in for docker.io/library/postgres:15-alpine (docker-library/postgres 15/alpine Dockerfile).
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENV GOSU_VERSION=1.19
ENV LANG=en_US.utf8
ENV PG_MAJOR=15
ENV PG_VERSION=15.14
ENV PG_SHA256=06dd75d305cd3870ee62b3932e661c624543eaf9ae2ba37cdec0a4f8edd051d2
ENV DOCKER_PG_LLVM_DEPS="llvm19-dev clang19"
ENV PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
ENTRYPOINT ["docker-entrypoint.sh"]
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]

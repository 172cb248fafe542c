# A test-only image whose every default (user, workdir, healthcheck, stop signal, labels,
# env, volume, ports) a container may keep or override: d2k must carry only the overrides.
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENV APP_HOME=/srv/app
LABEL org.example.team=platform
USER 1000:1000
WORKDIR /srv/app
VOLUME /srv/cache
EXPOSE 8080 9090/udp
STOPSIGNAL SIGQUIT
HEALTHCHECK --interval=30s --timeout=3s --retries=3 CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
CMD ["sh", "-c", "exec stand-in"]

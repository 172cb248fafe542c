# Stand-in for dockersamples/examplevotingapp_vote: vote/Dockerfile (final stage) on python:3.11-slim.
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENV LANG=C.UTF-8
ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D
ENV PYTHON_VERSION=3.11.9
LABEL org.opencontainers.image.source=https://github.com/dockersamples/example-voting-app
LABEL org.opencontainers.image.title=vote
WORKDIR /usr/local/app
EXPOSE 80
CMD ["gunicorn", "app:app", "-b", "0.0.0.0:80", "--log-file", "-", "--access-logfile", "-", "--workers", "4", "--keep-alive", "0"]

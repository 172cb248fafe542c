# Stand-in for dockersamples/examplevotingapp_result: result/Dockerfile (production stage) on node:18-slim.
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENV NODE_VERSION=18.20.4
ENV YARN_VERSION=1.22.19
LABEL org.opencontainers.image.source=https://github.com/dockersamples/example-voting-app
LABEL org.opencontainers.image.title=result
WORKDIR /usr/local/app
ENV PORT=80
EXPOSE 80
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "server.js"]

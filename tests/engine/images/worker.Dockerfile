# Stand-in for dockersamples/examplevotingapp_worker: worker/Dockerfile (app stage) on dotnet/runtime:7.0.
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENV ASPNETCORE_URLS=http://+:80
ENV DOTNET_RUNNING_IN_CONTAINER=true
ENV DOTNET_VERSION=7.0.20
LABEL org.opencontainers.image.source=https://github.com/dockersamples/example-voting-app
LABEL org.opencontainers.image.title=worker
WORKDIR /app
ENTRYPOINT ["dotnet", "Worker.dll"]

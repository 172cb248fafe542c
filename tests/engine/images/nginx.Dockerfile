# nginx's runtime config with files where the real image has them (/etc/nginx, /usr/share/nginx/html,
# the html folder owned by uid 101 like the real nginx user's files): the storage tests check that
# Docker copies them into a new volume mounted there, and that d2k's initContainer copies the same.
FROM scratch
COPY rootfs/ /
COPY nginx/etc/ /etc/
COPY --chown=101:101 nginx/usr/share/nginx/html/ /usr/share/nginx/html/
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EXPOSE 80
STOPSIGNAL SIGQUIT
ENTRYPOINT ["/docker-entrypoint.sh"]
CMD ["nginx", "-g", "daemon off;"]

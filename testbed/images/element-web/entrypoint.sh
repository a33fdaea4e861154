#!/bin/sh
# Entrypoint of the eqmd-e2e Element stand-in: listen on [::]:80 too when the container has
# IPv6 (so `wget http://localhost/` works whichever address localhost resolves to first). The
# snippet goes to /tmp: on a read-only root that is the one path always writable.
set -eu
if [ -e /proc/net/if_inet6 ]; then
  echo 'listen [::]:80 default_server;' >/tmp/element-listen-ipv6.conf
else
  rm -f /tmp/element-listen-ipv6.conf
fi
exec "$@"

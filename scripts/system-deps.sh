#!/usr/bin/env bash
# Installs the Debian packages the tests need, once (root on the project's machines),
# and starts PostgreSQL and Redis if they are down.
set -euo pipefail
need=()
[ -x /usr/sbin/dovecot ] || command -v dovecot >/dev/null 2>&1 || need+=(dovecot-imapd)
[ -x /usr/bin/chromium ] || need+=(chromium)
ldconfig -p | grep -q 'libmagic\.so\.1' || need+=(libmagic1)  # the drive's type detection
command -v litmus >/dev/null 2>&1 || need+=(litmus)  # the WebDAV test suite (tests/integration/drive)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
fi
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi

#!/usr/bin/env bash
# Start (or reuse) the services the test suite talks to: PostgreSQL and NATS JetStream.
# Idempotent: a running service is left alone. Installs a missing server from Debian.
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
nats_up() { (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; }

if ! pg_up; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    echo "installing PostgreSQL" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
pg_up || { echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
if ! psql -h 127.0.0.1 -U postgres -d test -Atc 'select 1' >/dev/null 2>&1; then
  psql -h 127.0.0.1 -U postgres -d postgres -Atc 'create database test' >/dev/null || true
fi

if ! nats_up; then
  if ! command -v nats-server >/dev/null && [ ! -x /usr/sbin/nats-server ]; then
    echo "installing nats-server" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null
  fi
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  for _ in $(seq 1 30); do nats_up && break; sleep 1; done
fi
nats_up || { echo "NATS is not reachable on 127.0.0.1:4222" >&2; exit 1; }
# The browser tests (tests/web) drive Debian's Chromium headless; never Playwright's download.
command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

echo "services: PostgreSQL 127.0.0.1:5432 and NATS 127.0.0.1:4222 are up" >&2

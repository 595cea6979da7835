#!/usr/bin/env bash
# PostgreSQL from Debian's package, started on loopback, with a `switchboard` role that
# may create databases (the tests make one per run). Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/apt-install.sh" postgresql
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  cluster=$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2}')
  if [ -z "$cluster" ]; then
    version=$(ls /usr/lib/postgresql | sort -n | tail -1)
    pg_createcluster "$version" main >/dev/null
    cluster="$version main"
  fi
  pg_ctlcluster $cluster start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
fi
su postgres -c "psql -qtAc \"select 1 from pg_roles where rolname='switchboard'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"create role switchboard login createdb password 'switchboard'\""
su postgres -c "psql -qtAc \"select 1 from pg_database where datname='switchboard'\"" | grep -q 1 \
  || su postgres -c "createdb -O switchboard switchboard"
echo "==> PostgreSQL ready on 127.0.0.1:5432"

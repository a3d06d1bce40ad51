# Throwaway PostgreSQL cluster for the test run (sourced by .ci/run; also usable by hand:
#   source .ci/pg.sh && pg_start && npx vitest run tests/pg.ingest.test.ts; pg_stop
# ). pg_start initdb's a cluster in a temp dir, starts it on 127.0.0.1 at a free port (unix socket in the
# same dir) and exports RADAR_TEST_PG_URL (a superuser URL the tests use to create one database per test
# file). Durability is switched off: the cluster lives for one run. Postgres refuses to run as root, so
# as root the cluster belongs to the `postgres` system user (created by Debian's package) or, failing
# that, to a `radar-pg` user made here.

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

pg_start() {
  local bin user port
  bin=$(pg_bindir) || { echo "pg.sh: no PostgreSQL server binaries under /usr/lib/postgresql" >&2; return 1; }
  PG_TMP=$(mktemp -d /tmp/radar-pg.XXXXXX)
  if [ "$(id -u)" = 0 ]; then
    user=postgres
    id -u "$user" >/dev/null 2>&1 || { user=radar-pg; id -u "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"; }
    chown "$user" "$PG_TMP"
    PG_AS=(runuser -u "$user" --)
  else
    PG_AS=()
  fi
  port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  "${PG_AS[@]}" "$bin/initdb" -D "$PG_TMP/data" -U radar -A trust --no-sync -E UTF8 --locale=C.UTF-8 >"$PG_TMP/initdb.log" 2>&1 \
    || { cat "$PG_TMP/initdb.log" >&2; return 1; }
  "${PG_AS[@]}" "$bin/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_TMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$PG_TMP/server.log" >&2; return 1; }
  PG_BIN=$bin
  export RADAR_TEST_PG_URL="postgres://radar@127.0.0.1:$port/postgres"
  echo "pg.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($PG_TMP)" >&2
}

pg_stop() {
  [ -n "${PG_TMP:-}" ] || return 0
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_TMP"
  unset PG_TMP RADAR_TEST_PG_URL
}

# Stops a cluster started by pg_start in another shell, given its directory (benches start their own).
pg_stop_dir() {
  local dir=$1 bin owner
  [ -d "$dir/data" ] || return 0
  bin=$(pg_bindir) || return 0
  owner=$(stat -c %U "$dir/data")
  if [ "$(id -u)" = 0 ] && [ "$owner" != root ]; then runuser -u "$owner" -- "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  else "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; fi
  rm -rf "$dir"
}

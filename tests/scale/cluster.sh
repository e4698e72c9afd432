# tests/scale/cluster.sh: real servers for the scaled store, started from
# Debian's packages on free loopback ports, everything in one folder
# ($scale_dir) and stopped by scale_stop (sourced, not run):
#   scale_pg_start      PostgreSQL 15 (initdb + pg_ctl, as the postgres user
#                       when run as root, since initdb refuses root), with a
#                       password: sets pg_url (no password in it), PGPASSWORD
#   scale_ceph_start    a one-node Ceph (one mon, one memstore OSD, auth none)
#                       and radosgw, which checks SigV4 for real: sets
#                       s3_endpoint, blobs_url, AWS_ACCESS_KEY_ID/SECRET and
#                       makes the bucket
#   scale_serve NAME [ARGS]  a `napi-symbols serve` on the two (its upload
#                       bodies in $scale_dir/tmp): sets serve_url[NAME],
#                       serve_pid[NAME]
#   scale_haproxy_start NAME... haproxy 2.6 in front of those servers, health
#                       checks on /healthz: sets lb_url
# The caller defines fail MESSAGE and nsym, and sets scale_dir. Readiness is
# polled, never slept for; every wait is bounded.
#
# A ctest run shares one PostgreSQL and one Ceph among its cases
# (NSYM_SCALE_CLUSTER=DIR, started by the fixture test scale.cluster.start
# with cluster-test.sh): scale_start then makes the case a database and a
# bucket of its own on them ($pg_db, $bucket), instead of starting both
# anew, which was most of a case's time. A case that stops or restarts a
# daemon asks for its own (scale_start --own), as does any case run
# without the fixture.
#
# scale_require: exits 77 (ctest's skip) with a clear message when the
# packages are missing and cannot be installed (scripts/install-scale-deps.sh).

pg_bin=/usr/lib/postgresql/15/bin
scale_pids=()

scale_require() {
  local here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  if ! "$here/../../scripts/install-scale-deps.sh" >"$scale_dir/install.log" 2>&1; then
    echo "SKIP: the scale-out tests need postgresql-15, radosgw, ceph-mon, ceph-osd and" \
      "haproxy, which could not be installed: $(tail -3 "$scale_dir/install.log")" >&2
    exit 77
  fi
}

# free_port VAR: a free TCP port on 127.0.0.1 into VAR: one below the
# system's ephemeral range that refuses a connection, not one handed out
# before by this script. (A program started with port 0 reads its own
# back; PostgreSQL, radosgw and haproxy cannot.) Below the range, because a
# port of it that is free now may be the source port of the next outgoing
# connection, here or in a test beside this one, before the daemon binds it
# (CI once saw ceph-mon fail to start).
scale_ports=" "
free_port() {
  local lo hi p
  read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
  if [ "$lo" -gt 12000 ]; then
    hi=$lo lo=10000
  fi
  for _ in $(seq 100); do
    p=$(( lo + (RANDOM * 32768 + RANDOM) % (hi - lo) ))
    [[ "$scale_ports" == *" $p "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      scale_ports+="$p "
      printf -v "$1" '%s' "$p"
      return 0
    fi
  done
  fail "no free port found"
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 50 ms.
wait_for() {
  local limit=$(( $1 * 20 )) what=$2 i
  shift 2
  for (( i = 0; i < limit; i++ )); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  fail "$what did not happen within ${limit}x50 ms"
}

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

scale_pg_start() {
  local d=$scale_dir/pg
  [ -n "${pg_port:-}" ] || free_port pg_port
  mkdir -p "$d"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$d" && chmod 755 "$scale_dir"
    runuser -u postgres -- test -w "$d" || fail "the postgres user cannot reach $d (a parent folder is closed)"
  fi
  export PGPASSWORD=pw-$RANDOM$RANDOM
  echo "$PGPASSWORD" >"$scale_dir/pgpass.in"
  [ "$(id -u)" -eq 0 ] && chown postgres "$scale_dir/pgpass.in"
  as_pg "$pg_bin/initdb" -D "$d/data" -U nsym --pwfile="$scale_dir/pgpass.in" \
    --auth=scram-sha-256 --no-sync >"$d/initdb.log" 2>&1 || fail "initdb: $(tail -3 "$d/initdb.log")"
  cat >>"$d/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$d'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
shared_buffers = 32MB
EOF
  scale_pg_ctl start
  pg_db=symbols
  scale_createdb
}

# scale_createdb: $pg_db made on the PostgreSQL at $pg_port; pg_url set.
scale_createdb() {
  as_pg env PGPASSWORD="$PGPASSWORD" "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U nsym -d postgres \
    -qc "CREATE DATABASE $pg_db" >/dev/null || fail "createdb $pg_db"
  pg_url=postgres://nsym@127.0.0.1:$pg_port/$pg_db
}

# scale_pg_ctl start|stop|restart: waits until done (-w), bounded.
scale_pg_ctl() {
  as_pg env PGPASSWORD="$PGPASSWORD" "$pg_bin/pg_ctl" -D "$scale_dir/pg/data" -l "$scale_dir/pg/log" \
    -w -t 30 -m fast "$1" >/dev/null || fail "pg_ctl $1: $(tail -5 "$scale_dir/pg/log")"
}

# psql_q SQL: one value, unaligned.
psql_q() {
  as_pg env PGPASSWORD="$PGPASSWORD" "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U nsym -d "$pg_db" \
    -Atqc "$1"
}

scale_ceph_start() {
  local d=$scale_dir/ceph fsid mon_port uuid
  mkdir -p "$d/mon" "$d/osd0" "$d/run" "$d/log"
  fsid=$(cat /proc/sys/kernel/random/uuid) uuid=$(cat /proc/sys/kernel/random/uuid)
  free_port mon_port
  free_port rgw_port
  cat >"$d/ceph.conf" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon max pg per osd = 1000
osd crush chooseleaf type = 0
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
paxos propose interval = 0.01
paxos min wait = 0.01
mon lease = 1
run dir = $d/run
admin socket = $d/run/\$name.asok
pid file = $d/run/\$name.pid
log file = $d/log/\$name.log
osd objectstore = memstore
memstore device bytes = 2147483648
[mon.a]
mon data = $d/mon
[osd.0]
osd data = $d/osd0
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw data = $d/rgw
rgw dns name = 127.0.0.1
EOF
  ceph_conf=$d/ceph.conf
  monmaptool --create --add a "v2:127.0.0.1:$mon_port" --fsid "$fsid" "$d/monmap" >/dev/null ||
    fail "monmaptool"
  ceph-mon -c "$ceph_conf" --mkfs -i a --monmap "$d/monmap" 2>>"$d/log/setup.log" || fail "ceph-mon --mkfs"
  ceph-mon -c "$ceph_conf" -i a 2>>"$d/log/setup.log" || fail "ceph-mon: $(tail -3 "$d/log/setup.log")"
  timeout 30 ceph -c "$ceph_conf" osd new "$uuid" 0 >/dev/null 2>>"$d/log/setup.log" ||
    fail "ceph osd new: $(tail -3 "$d/log/setup.log")"
  ceph-osd -c "$ceph_conf" -i 0 --mkfs --osd-uuid "$uuid" >/dev/null 2>>"$d/log/setup.log" ||
    fail "ceph-osd --mkfs"
  ceph-osd -c "$ceph_conf" -i 0 2>>"$d/log/setup.log" || fail "ceph-osd"
  scale_rgw_start
  export AWS_ACCESS_KEY_ID=AK$RANDOM$RANDOM AWS_SECRET_ACCESS_KEY=SK$RANDOM$RANDOM$RANDOM
  timeout 30 radosgw-admin -c "$ceph_conf" user create --uid=nsym --display-name=nsym \
    --access-key="$AWS_ACCESS_KEY_ID" --secret-key="$AWS_SECRET_ACCESS_KEY" >/dev/null \
    2>>"$d/log/setup.log" || fail "radosgw-admin user create"
  s3_endpoint=http://127.0.0.1:$rgw_port
  bucket=symbols
  scale_mkbucket
}

# scale_mkbucket: $bucket made at $s3_endpoint; blobs_url set.
scale_mkbucket() {
  s3 -X PUT "$s3_endpoint/$bucket" >/dev/null || fail "cannot make the bucket $bucket"
  blobs_url="s3://$bucket?endpoint=$s3_endpoint"
}

# radosgw, started and waited for (it answers once its pools exist).
scale_rgw_start() {
  radosgw -c "$ceph_conf" -n client.rgw 2>>"$scale_dir/ceph/log/setup.log" || fail "radosgw"
  # its pools are made at its first start: slow on a busy machine
  wait_for 90 "radosgw answering" curl -sf -o /dev/null "http://127.0.0.1:$rgw_port/"
}

scale_rgw_stop() {
  local pid
  pid=$(cat "$scale_dir/ceph/run/client.rgw.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null
  wait_for 30 "radosgw stopping" sh -c "! kill -0 $pid"
  rm -f "$scale_dir/ceph/run/client.rgw.pid"
}

# s3 CURL_ARGS...: curl signing SigV4 as the server does.
s3() {
  curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" -u "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"
}

# blob_key SHA: the object key of a blob.
blob_key() { echo "sha256/${1:0:2}/${1:2}"; }

# scale_serve NAME [ARGS...]: a server on the store, on a free port.
declare -A serve_url serve_pid
scale_serve() {
  local name=$1 url= i
  shift
  mkdir -p "$scale_dir/tmp"
  TMPDIR=$scale_dir/tmp "$nsym" serve --store "$pg_url" --blobs "$blobs_url" --listen 127.0.0.1:0 --threads 16 "$@" \
    >"$scale_dir/$name.out" 2>>"$scale_dir/$name.err" &
  serve_pid[$name]=$!
  for (( i = 0; i < 200; i++ )); do
    url=$(sed -n 's/^listening on //p' "$scale_dir/$name.out")
    [ -n "$url" ] && curl -sf -o /dev/null "$url/healthz" && break
    kill -0 "${serve_pid[$name]}" 2>/dev/null || fail "server $name exited: $(tail -5 "$scale_dir/$name.err")"
    sleep 0.05
  done
  [ -n "$url" ] || fail "server $name did not start: $(tail -5 "$scale_dir/$name.err")"
  serve_url[$name]=$url
}

# scale_haproxy_start NAME...: haproxy on a free port, round robin over the
# servers, each checked on /healthz every 300 ms (a check may take 3 s: a
# busy machine is no dead server); a server is out after three failed
# checks and back after one good one. A request that a server refused, or
# left without a reply, is sent to another (retry-on, redispatch).
scale_haproxy_start() {
  local cfg=$scale_dir/haproxy.cfg name
  free_port lb_port
  cat >"$cfg" <<EOF
global
  maxconn 512
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  timeout check 3s
  retries 3
  option redispatch
  retry-on conn-failure empty-response response-timeout
frontend symbols
  bind 127.0.0.1:$lb_port
  default_backend servers
backend servers
  balance roundrobin
  option httpchk GET /healthz
  http-check expect status 200
  default-server inter 300ms fall 3 rise 1
EOF
  for name in "$@"; do
    echo "  server $name ${serve_url[$name]#http://} check" >>"$cfg"
  done
  haproxy -f "$cfg" -D -p "$scale_dir/haproxy.pid" 2>"$scale_dir/haproxy.err" ||
    fail "haproxy: $(cat "$scale_dir/haproxy.err")"
  lb_url=http://127.0.0.1:$lb_port
  wait_for 10 "haproxy answering" curl -sf -o /dev/null "$lb_url/healthz"
}

# scale_start [--own]: PostgreSQL and Ceph side by side (each takes a few
# seconds), or a database and a bucket on the run's shared ones (above);
# PGPASSWORD and the S3 keys exported.
scale_own=0
scale_start() {
  local pg
  if [ "${1:-}" != --own ] && [ -f "${NSYM_SCALE_CLUSTER:-/nonexistent}/cluster.env" ]; then
    # shellcheck disable=SC1091 # written by scale_share
    . "$NSYM_SCALE_CLUSTER/cluster.env"
    export PGPASSWORD AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
    # names of the case's own: no two running processes share a pid
    pg_db=case_$$_$RANDOM bucket=case-$$-$RANDOM
    scale_createdb
    scale_mkbucket
    return
  fi
  scale_own=1
  free_port pg_port # here: the ports the subshell takes are not seen by this shell
  ( scale_pg_start; printf 'pg_url=%q pg_port=%q PGPASSWORD=%q\n' "$pg_url" "$pg_port" "$PGPASSWORD" \
      >"$scale_dir/pg.env" ) &
  pg=$!
  scale_ceph_start
  wait "$pg" || fail "PostgreSQL did not start"
  . "$scale_dir/pg.env"
  pg_db=symbols
  export PGPASSWORD
}

# scale_share: what scale_start of another case needs to borrow this
# folder's cluster, into $scale_dir/cluster.env.
scale_share() {
  printf 'pg_port=%q PGPASSWORD=%q s3_endpoint=%q AWS_ACCESS_KEY_ID=%q AWS_SECRET_ACCESS_KEY=%q\n' \
    "$pg_port" "$PGPASSWORD" "$s3_endpoint" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" \
    >"$scale_dir/cluster.env.tmp" && mv "$scale_dir/cluster.env.tmp" "$scale_dir/cluster.env"
}

# scale_for_test: what a test of the embedded store needs to run on the
# scaled one instead (NSYM_TEST_STORE=scaled): $scale_dir in its $work
# (opened to the postgres user), the servers started, and store (for
# `token --store`) and serve_store (serve's arguments) set. Objects go as
# soon as no row names them (delete_grace=0), as the local store's files.
scale_for_test() {
  scale_dir=$work/scale
  mkdir -p "$scale_dir"
  chmod 711 "$work"
  scale_require
  scale_start
  store=$pg_url serve_store=(--store "$pg_url" --blobs "$blobs_url&delete_grace=0")
  export TMPDIR=$scale_dir
}

# Stops every server, haproxy, and what scale_start started: radosgw, the
# OSD, the mon and PostgreSQL (a shared cluster's are left to its own stop).
scale_stop() {
  local name f
  for name in "${!serve_pid[@]}"; do
    kill "${serve_pid[$name]}" 2>/dev/null
  done
  [ -f "$scale_dir/haproxy.pid" ] && kill "$(cat "$scale_dir/haproxy.pid")" 2>/dev/null
  if [ "$scale_own" = 0 ]; then
    wait 2>/dev/null
    return 0
  fi
  # memstore keeps nothing worth a clean stop
  for f in "$scale_dir"/ceph/run/*.pid; do
    [ -f "$f" ] && kill -9 "$(cat "$f" 2>/dev/null)" 2>/dev/null
  done
  [ -f "$scale_dir/pg/data/postmaster.pid" ] &&
    as_pg "$pg_bin/pg_ctl" -D "$scale_dir/pg/data" -m immediate -w -t 10 stop >/dev/null 2>&1
  # the ceph daemons and servers are gone before their folder is
  for f in "$scale_dir"/ceph/run/*.pid; do
    [ -f "$f" ] || continue
    local pid
    pid=$(cat "$f" 2>/dev/null) || continue
    for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$pid" 2>/dev/null
  done
  wait 2>/dev/null
}

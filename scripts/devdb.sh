#!/usr/bin/env bash
# Project-local PostgreSQL cluster for development and tests.
#
# Usage: scripts/devdb.sh start|stop|status|url|psql [args]|destroy|log
#
#   start    initdb (first time) + start + roles + createdb; prints ONLY the
#            DATABASE_URL (application role) on stdout (all chatter goes to stderr).
#            Idempotent; recovers from a crash that left a stale postmaster.pid.
#   stop     pg_ctl stop -m fast (no-op if not running)
#   status   human readable status; exit 0 = running, 3 = not running
#   url      print the DATABASE_URL (application role; does not start anything)
#   owner-url  print the DATABASE_OWNER_URL (owner role, runs migrations)
#   psql     start if needed, then exec psql on the database (extra args passed on)
#   destroy  stop and delete the cluster (data, log, socket dir)
#   log      print the tail of the server log
#
# Layout (everything outside the checkout, so the server user never has to
# enter it, and keyed by a hash of the checkout path, so two checkouts never
# collide):
#   cluster dir  /var/tmp/fallmanagement-pg/<hash12>        (root: owned by postgres)
#                /var/tmp/fallmanagement-pg-<uid>/<hash12>  (normal user)
#                  data/  postgres.log  checkout
#   socket dir   /tmp/fm-<hash12>   (unix socket only, no TCP: listen_addresses='')
#
# Roles, as in production (README "Datenschutz und Sicherheit"):
#   fm_owner  owns the database and its tables, runs migrations (CREATEDB here only so
#             that the test suite can create its test database)
#   fm_app    the application: LOGIN, no superuser, owns nothing, only the privileges
#             that fm_owner grants (SELECT/INSERT/UPDATE/DELETE, sequence USAGE)
#
# Environment overrides:
#   PG_BINDIR      directory with initdb/pg_ctl/postgres (default: auto-detect)
#   FM_PG_HOME     parent directory for cluster dirs (default: see above)
#   FM_PG_OS_USER  OS user that runs the server when invoked as root (default: postgres)
#   FM_DB_NAME     database name (default: fallmanagement)
#   FM_DB_OWNER    owner role (default: fm_owner)
#   FM_DB_APP      application role (default: fm_app)
set -euo pipefail

PROG=scripts/devdb.sh
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
DB_NAME=${FM_DB_NAME:-fallmanagement}
PORT=5432 # only names the socket file (.s.PGSQL.5432); there is no TCP listener

die() {
    echo "$PROG: $*" >&2
    exit 1
}
say() { echo "$PROG: $*" >&2; }

# --- identity ---------------------------------------------------------------

hash_path() {
    if command -v sha256sum >/dev/null 2>&1; then
        printf '%s' "$1" | sha256sum | cut -c1-12
    elif command -v shasum >/dev/null 2>&1; then
        printf '%s' "$1" | shasum -a 256 | cut -c1-12
    else
        printf '%s' "$1" | cksum | awk '{printf "%012x\n", $1}'
    fi
}
HASH=$(hash_path "$ROOT")

if [[ $(id -u) -eq 0 ]]; then
    # PostgreSQL refuses to run as root: run the server as the postgres user.
    AS_ROOT=1
    SERVER_USER=${FM_PG_OS_USER:-postgres}
    PG_HOME=${FM_PG_HOME:-/var/tmp/fallmanagement-pg}
else
    AS_ROOT=0
    SERVER_USER=$(id -un)
    PG_HOME=${FM_PG_HOME:-/var/tmp/fallmanagement-pg-$(id -u)}
fi
DB_SUPERUSER=$SERVER_USER # initdb --username; trust auth on the socket
CLUSTER_DIR=$PG_HOME/$HASH
DATA=$CLUSTER_DIR/data
LOGFILE=$CLUSTER_DIR/postgres.log
SOCK=/tmp/fm-$HASH
DB_OWNER=${FM_DB_OWNER:-fm_owner}
DB_APP=${FM_DB_APP:-fm_app}
SUPER_URL="postgresql://$DB_SUPERUSER@/$DB_NAME?host=$SOCK"
URL="postgresql://$DB_APP@/$DB_NAME?host=$SOCK"
OWNER_URL="postgresql://$DB_OWNER@/$DB_NAME?host=$SOCK"

# Run a command as the OS user that owns the cluster.
as_server() {
    if ((AS_ROOT)); then
        # cd /: the checkout may be in a directory the server user cannot enter.
        if command -v runuser >/dev/null 2>&1; then
            (cd / && runuser -u "$SERVER_USER" -- "$@")
        else
            (cd / && su -s /bin/sh "$SERVER_USER" -c "$(printf '%q ' "$@")")
        fi
    else
        "$@"
    fi
}

# --- binaries ---------------------------------------------------------------

has_server_bins() {
    [[ -x $1/initdb && -x $1/pg_ctl && -x $1/postgres ]]
}

find_bindir() {
    local d v
    if [[ -n ${PG_BINDIR:-} ]]; then
        has_server_bins "$PG_BINDIR" && { echo "$PG_BINDIR"; return 0; }
        return 1
    fi
    # An existing cluster must be run by the same major version.
    if [[ -f $DATA/PG_VERSION ]]; then
        v=$(<"$DATA/PG_VERSION")
        for d in "/usr/lib/postgresql/$v/bin" "/usr/pgsql-$v/bin" \
            "/opt/homebrew/opt/postgresql@$v/bin" "/usr/local/opt/postgresql@$v/bin"; do
            has_server_bins "$d" && { echo "$d"; return 0; }
        done
    fi
    if d=$(command -v initdb 2>/dev/null); then
        d=$(dirname "$(readlink -f "$d" 2>/dev/null || echo "$d")")
        has_server_bins "$d" && { echo "$d"; return 0; }
    fi
    # Newest version first; unmatched globs stay literal and fail the check.
    while IFS= read -r d; do
        has_server_bins "$d" && { echo "$d"; return 0; }
    done < <(printf '%s\n' /usr/lib/postgresql/*/bin /usr/pgsql-*/bin \
        /opt/homebrew/opt/postgresql@*/bin /usr/local/opt/postgresql@*/bin | sort -rV)
    return 1
}

require_bins() {
    BINDIR=$(find_bindir) || {
        echo "PostgreSQL-Server nicht gefunden: bitte 'postgresql' installieren" \
            "(Debian/Ubuntu: apt install postgresql) oder DATABASE_URL setzen." >&2
        exit 1
    }
    # Client tools: prefer the matching version next to the server.
    client() {
        if [[ -x $BINDIR/$1 ]]; then echo "$BINDIR/$1"
        elif command -v "$1" >/dev/null 2>&1; then command -v "$1"
        else die "'$1' nicht gefunden (PostgreSQL-Client installieren)."
        fi
    }
    PSQL=$(client psql)
    CREATEDB=$(client createdb)
    PG_ISREADY=$(client pg_isready)
    if [[ -f $DATA/PG_VERSION ]]; then
        local have want
        want=$(<"$DATA/PG_VERSION")
        have=$("$BINDIR/postgres" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)?.*/\1/')
        [[ $have == "$want" ]] || die "Der Cluster in $DATA wurde mit PostgreSQL $want angelegt," \
            "gefunden wurde $have: '$PROG destroy' ausführen oder PG_BINDIR setzen."
    fi
}

# --- directories ------------------------------------------------------------

# mkdir + ownership check (other users could pre-create paths in /tmp or /var/tmp).
ensure_dir() { # dir owner mode
    local dir=$1 owner=$2 mode=$3
    if [[ ! -d $dir ]]; then
        mkdir -p "$dir"
        if ((AS_ROOT)); then chown "$owner:" "$dir"; fi
    fi
    [[ $(stat -c %U "$dir" 2>/dev/null || stat -f %Su "$dir") == "$owner" ]] ||
        die "$dir gehört nicht $owner; bitte entfernen."
    chmod "$mode" "$dir"
}

prepare_dirs() {
    if ((AS_ROOT)); then
        id "$SERVER_USER" >/dev/null 2>&1 ||
            die "Systembenutzer '$SERVER_USER' fehlt (als root läuft der Server als dieser Benutzer; FM_PG_OS_USER setzen)."
        ensure_dir "$PG_HOME" root 755 # the server user must be able to traverse it
    else
        ensure_dir "$PG_HOME" "$SERVER_USER" 700
    fi
    ensure_dir "$CLUSTER_DIR" "$SERVER_USER" 700
    ensure_dir "$SOCK" "$SERVER_USER" 700
    echo "$ROOT" >"$CLUSTER_DIR/checkout" # which checkout this cluster belongs to
}

# Serialise start/stop/destroy of the same cluster (e.g. parallel make jobs).
# NB: the server must not inherit fd 9 (see cmd_start), or it holds the lock forever.
lock() {
    if command -v flock >/dev/null 2>&1; then
        exec 9>>"$CLUSTER_DIR/.lock"
        flock -w 120 9 || die "Zeitüberschreitung beim Warten auf $CLUSTER_DIR/.lock."
    fi
}

# --- cluster ----------------------------------------------------------------

pick_locale() {
    local l
    for l in C.UTF-8 C.utf8 en_US.UTF-8 en_US.utf8 de_DE.UTF-8 de_DE.utf8; do
        if locale -a 2>/dev/null | grep -qx "$l"; then
            echo "$l"
            return
        fi
    done
    echo C
}

# A quarter of the machine's memory for PostgreSQL's buffers, at most 1 GB (at least 128 MB).
buffers_mb() {
    local kb
    kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo 2>/dev/null || true)
    [[ $kb =~ ^[0-9]+$ ]] || kb=0
    local mb=$((kb / 1024 / 4))
    ((mb > 1024)) && mb=1024
    ((mb < 128)) && mb=128
    echo "$mb"
}

write_conf() {
    # Rewritten on every start; postgresql.conf includes it (see init_cluster).
    as_server tee "$DATA/fallmanagement-dev.conf" >/dev/null <<EOF
# Managed by $PROG - local dev/test cluster only, changes are overwritten.
listen_addresses = ''                 # unix socket only: no TCP, no port clashes
unix_socket_directories = '$SOCK'
unix_socket_permissions = 0700
port = $PORT
max_connections = 100
# Memory as on a small production server (the defaults, 128 MB buffers and 4 MB per sort,
# are for a machine shared with other programs): the benchmark database holds 100 000 cases.
shared_buffers = $(buffers_mb)MB
work_mem = 16MB
random_page_cost = 1.1                # SSD: an index page costs little more than a heap page
# Speed over durability: this cluster holds throw-away dev/test data.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
}

init_cluster() {
    [[ -f $DATA/PG_VERSION ]] && return 0
    # A half-finished initdb leaves a non-empty dir that initdb refuses.
    rm -rf "$DATA"
    local loc
    loc=$(pick_locale)
    say "initdb in $DATA (locale $loc)"
    local out
    out=$(as_server "$BINDIR/initdb" -D "$DATA" --username="$DB_SUPERUSER" \
        --encoding=UTF8 --locale="$loc" \
        --auth-local=trust --auth-host=reject 2>&1) || {
        echo "$out" >&2
        die "initdb fehlgeschlagen."
    }
    echo "include_if_exists = 'fallmanagement-dev.conf'" |
        as_server tee -a "$DATA/postgresql.conf" >/dev/null
}

# Is our postmaster running? (pg_ctl status alone is fooled by a reused PID.)
is_running() {
    [[ -f $DATA/PG_VERSION ]] || return 1
    as_server "$BINDIR/pg_ctl" -D "$DATA" status >/dev/null 2>&1 || return 1
    local pid
    pid=$(head -n1 "$DATA/postmaster.pid" 2>/dev/null) || return 1
    if [[ -r /proc/$pid/cmdline ]]; then
        tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$DATA" || return 1
    fi
    return 0
}

# After a crash (kill -9, OOM, reboot) remove lock files whose process is gone.
clear_stale_locks() {
    local pidfile=$DATA/postmaster.pid
    [[ -f $pidfile ]] || return 0
    say "verwaiste $pidfile gefunden (Absturz?) - wird entfernt"
    as_server rm -f "$pidfile"
    as_server rm -f "$SOCK/.s.PGSQL.$PORT" "$SOCK/.s.PGSQL.$PORT.lock"
}

wait_ready() {
    for _ in {1..50}; do
        "$PG_ISREADY" -q -h "$SOCK" -p "$PORT" -d postgres -U "$DB_SUPERUSER" && return 0
        sleep 0.1
    done
    die "Server antwortet nicht (Log: $LOGFILE)."
}

db_exists() {
    [[ $("$PSQL" -X -h "$SOCK" -p "$PORT" -U "$DB_SUPERUSER" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'") == 1 ]]
}

# The two roles, the database owned by the owner role, and (for clusters made before
# the roles existed) everything in the public schema handed over to the owner role.
ensure_roles() {
    "$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U "$DB_SUPERUSER" -d postgres \
        -v owner="$DB_OWNER" -v app="$DB_APP" >/dev/null <<'SQL'
SELECT format('CREATE ROLE %I LOGIN CREATEDB NOSUPERUSER NOCREATEROLE', :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT', :'app')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
SQL
}

adopt_database() { # database: make the owner role own it and all its objects in public
    "$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U "$DB_SUPERUSER" -d "$1" \
        -v owner="$DB_OWNER" -v app="$DB_APP" -v db="$1" >/dev/null <<'SQL'
SELECT format('ALTER DATABASE %I OWNER TO %I', :'db', :'owner')
 WHERE (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :'db') <> :'owner' \gexec
SELECT format('ALTER %s %s OWNER TO %I',
              CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                             WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
              c.oid::regclass, :'owner')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
   AND pg_get_userbyid(c.relowner) <> :'owner' \gexec
SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, :'owner')
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> :'owner'
   AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public
               GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', :'owner', :'app') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public
               GRANT USAGE, SELECT ON SEQUENCES TO %I', :'owner', :'app') \gexec
SQL
}

cmd_start() {
    require_bins
    prepare_dirs
    lock
    init_cluster
    write_conf
    if ! is_running; then
        clear_stale_locks
        say "starte PostgreSQL ($SOCK)"
        if ! as_server "$BINDIR/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t 60 -s start >&2 9>&-; then
            tail -n 20 "$LOGFILE" >&2 || true
            die "Start fehlgeschlagen (Log: $LOGFILE)."
        fi
    fi
    wait_ready
    ensure_roles
    if ! db_exists; then
        say "lege Datenbank $DB_NAME an (Eigentümer $DB_OWNER)"
        "$CREATEDB" -h "$SOCK" -p "$PORT" -U "$DB_SUPERUSER" --owner="$DB_OWNER" "$DB_NAME"
    fi
    adopt_database "$DB_NAME"
    # Test databases left over from a run before the roles existed: the owner must drop them.
    local db
    for db in $("$PSQL" -X -h "$SOCK" -p "$PORT" -U "$DB_SUPERUSER" -d postgres -tAc \
        "SELECT datname FROM pg_database WHERE datname LIKE 'test\\_%' AND pg_get_userbyid(datdba) <> '$DB_OWNER'"); do
        "$PSQL" -X -q -h "$SOCK" -p "$PORT" -U "$DB_SUPERUSER" -d postgres \
            -c "ALTER DATABASE \"$db\" OWNER TO $DB_OWNER" >/dev/null
    done
    echo "$URL"
}

cmd_stop() {
    if [[ ! -f $DATA/PG_VERSION ]]; then
        say "kein Cluster vorhanden"
        return 0
    fi
    require_bins
    lock
    if is_running; then
        as_server "$BINDIR/pg_ctl" -D "$DATA" -m fast -w -s stop >&2
        say "gestoppt"
    else
        say "läuft nicht"
    fi
}

cmd_status() {
    echo "Checkout:  $ROOT"
    echo "Cluster:   $DATA"
    echo "Socket:    $SOCK"
    echo "URL:       $URL"
    echo "Owner-URL: $OWNER_URL"
    if [[ ! -f $DATA/PG_VERSION ]]; then
        echo "Status:    nicht angelegt"
        return 3
    fi
    require_bins
    if is_running; then
        echo "Status:    läuft (PID $(head -n1 "$DATA/postmaster.pid"))"
    else
        echo "Status:    gestoppt"
        return 3
    fi
}

cmd_destroy() {
    if [[ -f $DATA/PG_VERSION ]]; then
        cmd_stop
    fi
    rm -rf "$CLUSTER_DIR" "$SOCK"
    say "Cluster $CLUSTER_DIR entfernt"
}

cmd_psql() {
    cmd_start >/dev/null
    exec 9>&- # release the lock before handing over to psql
    exec "$PSQL" "$SUPER_URL" "$@"
}

cmd_log() {
    [[ -f $LOGFILE ]] || die "kein Log ($LOGFILE)"
    tail -n "${LINES:-50}" "$LOGFILE"
}

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
    exit "$1"
}

cmd=${1:-}
[[ $# -gt 0 ]] && shift
case $cmd in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
url) echo "$URL" ;;
owner-url) echo "$OWNER_URL" ;;
psql) cmd_psql "$@" ;;
destroy) cmd_destroy ;;
log) cmd_log ;;
-h | --help | help) usage 0 ;;
*) usage 2 ;;
esac

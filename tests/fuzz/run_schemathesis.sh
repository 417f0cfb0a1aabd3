#!/usr/bin/env bash
# Fuzz every /api/v1 operation with schemathesis, once per role (admin, sender, auditor) and
# once without a key: fails on any 5xx, any response that breaks its documented schema, status
# code or content type, and when fewer than FUZZ_MIN_CASES cases were generated in total.
#   tests/fuzz/run_schemathesis.sh            # CI form: 10 fuzzed cases per operation and role plus the coverage phase
#   FUZZ_MAX_EXAMPLES=200 tests/fuzz/run_schemathesis.sh   # longer
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py="${PYTHON:-${LUPA_VENV:-$root/.venv}/bin/python}"
bin="$(dirname "$py")"
examples="${FUZZ_MAX_EXAMPLES:-10}"
min_cases="${FUZZ_MIN_CASES:-1000}"
seed="${FUZZ_SEED:-20261122}"
checks="${FUZZ_CHECKS:-not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance,response_headers_conformance,unsupported_method,allow_header_conformance}"

work="$(mktemp -d)"
out="${FUZZ_OUT:-$work}"  # reports and outputs; set FUZZ_OUT to keep them
mkdir -p "$out"
port="$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export LUPA_INSTANCE_PATH="$work/instance" LUPA_DATABASE_URL="sqlite:///$work/lupa.db"
export LUPA_RATELIMIT_ENABLED=0 LUPA_LOG_LEVEL=${FUZZ_LOG_LEVEL:-WARNING} PROMETHEUS_MULTIPROC_DIR="$work/prom"
unset LUPA_REDIS_URL
# service.wsgi (like `lupa serve`) refuses to start without strong secrets and a public URL:
# fresh ones per run, shared by seed.py and the server.
eval "$("$py" -c 'import base64, secrets as s; k = lambda: base64.b64encode(s.token_bytes(32)).decode(); print(f"export LUPA_SECRET_KEY={s.token_urlsafe(32)} LUPA_SIGNING_KEY={k()} LUPA_ENCRYPTION_KEY={k()} LUPA_METRICS_TOKEN={s.token_urlsafe(32)}")')"
export LUPA_PUBLIC_URL="http://127.0.0.1:$port"
export LUPA_MAIL_BACKEND=console  # no SMTP server here: mails on the console (never in production)
export SCHEMATHESIS_HOOKS=tests.fuzz.hooks PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
cd "$root"
keys="$("$py" "$here/seed.py" | tail -1)"
"$py" -m gunicorn -c "$root/service/gunicorn_conf.py" --workers 2 --threads 4 \
    --bind "127.0.0.1:$port" service.wsgi:app >"$work/gunicorn.log" 2>&1 &
server=$!
cleanup() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    [ "$out" = "$work" ] || cp "$work/gunicorn.log" "$out/" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 100); do
    "$py" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
        "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done

cd "$work"  # schemathesis keeps a .schemathesis cache in the working directory
total=0
status=0
for role in ${FUZZ_ROLES:-admin sender auditor none}; do
    headers=()
    if [ "$role" != none ]; then
        key="$("$py" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$keys" "$role")"
        headers=(-H "Authorization: Bearer $key")
    fi
    echo "== schemathesis as $role" >&2
    set +e
    "$bin/schemathesis" --config-file "$here/schemathesis.toml" run \
        "http://127.0.0.1:$port/api/v1/openapi.json" "${headers[@]}" \
        --checks "$checks" --max-examples "$examples" --seed "$seed" --workers 1 \
        --phases examples,coverage,fuzzing --suppress-health-check all \
        --request-timeout 10 --no-color --report ndjson --report-ndjson-path "$out/$role.ndjson" \
        >"$out/$role.out" 2>&1
    rc=$?
    set -e
    tail -25 "$out/$role.out" >&2
    cases="$("$py" "$here/count_cases.py" "$out/$role.ndjson")"
    echo "   $role: $cases cases, exit $rc" >&2
    total=$((total + cases))
    [ "$rc" -eq 0 ] || status=1
done
echo "schemathesis: $total generated cases in total (minimum $min_cases)" >&2
if [ "$total" -lt "$min_cases" ]; then
    echo "too few cases" >&2
    status=1
fi
if [ "$status" -ne 0 ]; then
    echo "--- server log (tail)" >&2
    tail -40 "$work/gunicorn.log" >&2
fi
exit "$status"

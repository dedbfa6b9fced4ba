#!/bin/bash
# usage: run_ab.sh <n> [modes]
cd /work/wt/dispatch9
db=dispatch9_ab
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db TEMPLATE dispatch9_tpl"
date -u +%H:%M
PYTHONPATH=. .venv/bin/python /tmp/dispatch9/ab.py postgresql+psycopg://postgres@127.0.0.1:5432/$db "$@"

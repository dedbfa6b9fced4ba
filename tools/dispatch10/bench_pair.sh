#!/bin/sh
# one bench.run with the old tree, one with the new, each on a fresh copy of the pristine db
NEW=$(cd "$(dirname "$0")/../.." && pwd)
for which in "$@"; do
  if [ "$which" = old ]; then dir=/tmp/d10-old; else dir=$NEW; fi
  db=$dir/instance/bench/bench-10000.db
  rm -f $db $db-wal $db-shm; cp ${PRISTINE:-/work/wt/dispatch10-pristine.db} $db
  out=$(cd $dir && PYTHONPATH=$dir $NEW/.venv/bin/python -m bench.run --reuse --sizes 10000 --backends sqlite --scenarios reference --repeat 5 --dispatch 1000 2>&1 | grep -E "dispatch:|CPU reference")
  echo "$(date +%H:%M:%S) $which: $out"
done

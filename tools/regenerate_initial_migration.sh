#!/usr/bin/env bash
# Until the first release, the schema is one initial revision, regenerated from the
# models. After the first release, never run this: add revisions with `rekruttering db migrate`.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f rekruttering/migrations/versions/0001_initial_schema.py
cfg="$tmp/c.toml"
printf '[app]\nsecret_key = "x"\ndatabase_url = "sqlite:///%s/empty.db"\n' "$tmp" > "$cfg"
REKRUTTERING_CONFIG="$cfg" .venv/bin/rekruttering db migrate -m "initial schema" --rev-id 0001 \
  >/dev/null 2>&1
sed -i 's/^Revises: $/Revises:/' rekruttering/migrations/versions/0001_initial_schema.py
rm -rf "$tmp"
echo "regenerated rekruttering/migrations/versions/0001_initial_schema.py"

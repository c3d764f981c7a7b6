#!/usr/bin/env bash
# The step of action.yml: `alembic-guard verify --format github`, judged against the base branch
# when there is one. Error annotations land on the files; the job summary gets the verdict, the
# heads and a picture of the merge. Inputs come as ALEMBIC_GUARD_* variables (action.yml).
set -euo pipefail

args=(verify --format github)
base="${ALEMBIC_GUARD_BASE:-}"
if [ -n "$base" ]; then
  ref="$base"
  # A pull request's checkout has the base branch as origin/<base>, if it fetched enough history.
  if git rev-parse --verify -q "refs/remotes/origin/$base^{commit}" >/dev/null; then
    ref="origin/$base"
  elif ! git rev-parse --verify -q "$base^{commit}" >/dev/null; then
    echo "alembic-guard: fetching $base to judge the merge (set fetch-depth: 0 on actions/checkout to skip this)"
    git fetch --no-tags --quiet origin "+refs/heads/$base:refs/remotes/origin/$base"
    ref="origin/$base"
  fi
  # merge-tree needs the common ancestor: deepen a shallow clone until there is one.
  if [ "$(git rev-parse --is-shallow-repository)" = true ]; then
    for depth in 50 200 1000; do
      git merge-base "$ref" HEAD >/dev/null 2>&1 && break
      git fetch --no-tags --quiet --deepen="$depth" origin || break
    done
    git merge-base "$ref" HEAD >/dev/null 2>&1 || git fetch --no-tags --quiet --unshallow origin || true
  fi
  args+=(--base "$ref")
fi
[ -n "${ALEMBIC_GUARD_DB_URL_ENV:-}" ] && args+=(--db-url-env "$ALEMBIC_GUARD_DB_URL_ENV")
[ "${ALEMBIC_GUARD_STRICT:-false}" = true ] && args+=(--strict)

if [ -n "${ALEMBIC_GUARD_CLI:-}" ]; then
  exec node "$ALEMBIC_GUARD_CLI" "${args[@]}"
elif [ -x node_modules/.bin/alembic-guard ]; then
  exec node_modules/.bin/alembic-guard "${args[@]}"
else
  version=$(node -p 'require(process.argv[1]).version' "$GITHUB_ACTION_PATH/package.json")
  exec npx --yes "alembic-guard@$version" "${args[@]}"
fi

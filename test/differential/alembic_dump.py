"""Load Alembic environments with the real Alembic and print what it sees, as JSON.

Usage: python3 alembic_dump.py ENV_DIR[::LOCATION::LOCATION...] [ENV_DIR ...]

Each ENV_DIR holds a versions/ directory, or names its version_locations after "::" (as
neutron's cli.py and prefect's env.py set them: alembic.ini cannot say "pick one folder"). ScriptDirectory(ENV_DIR) needs no alembic.ini
and no script.py.mako to read revisions (alembic/script/base.py: versions = ENV_DIR/versions).
Output: one JSON object mapping ENV_DIR to either
  {"revisions": [...], "heads": [...], "bases": [...], "warnings": [...]}
or {"error": "<ExceptionType>: <message>", "warnings": [...]} when Alembic refuses the environment.
"""
import json
import os
import sys
import warnings

from alembic import util
from alembic.script import ScriptDirectory


def as_list(value):
    return list(util.to_tuple(value, default=()))


def dump(arg):
    env_dir, *locations = arg.split("::")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            script_dir = ScriptDirectory(env_dir, version_locations=locations or None)
            revisions = []
            seen = set()
            # the map also holds branch labels and None/() keys; one entry per revision
            for rev in script_dir.revision_map._revision_map.values():
                if rev is None or rev.revision in seen:
                    continue
                seen.add(rev.revision)
                revisions.append(
                    {
                        "revision": rev.revision,
                        "path": os.path.basename(rev.path),
                        "down_revision": list(rev._versioned_down_revisions),
                        # a falsy value ("") means no dependency (RevisionMap._add_depends_on)
                        "dependencies": as_list(rev.dependencies) if rev.dependencies else [],
                        "branch_labels": list(rev._orig_branch_labels),
                    }
                )
            result = {
                "revisions": revisions,
                "heads": list(script_dir.get_heads()),
                "bases": list(script_dir.get_bases()),
            }
        except Exception as exc:  # Alembic refused the environment: report why
            result = {"error": "%s: %s" % (type(exc).__name__, exc)}
        result["warnings"] = [str(w.message) for w in caught]
    return result


def main():
    print(json.dumps({env: dump(env) for env in sys.argv[1:]}))


if __name__ == "__main__":
    main()

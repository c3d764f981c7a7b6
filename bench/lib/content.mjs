// File contents of the generated repositories: Alembic's files as its templates write them, and
// the ordinary files of a JS front end and a Python backend around them. All deterministic.
import { createHash } from 'node:crypto';

/** A 12-hex revision id, as `alembic revision` makes (uuid4().hex[-12:]), but reproducible. */
export function revId(namespace, i) {
  return createHash('sha1').update(`${namespace}:${i}`).digest('hex').slice(0, 12);
}

const WORDS = [
  'users',
  'orders',
  'invoices',
  'payments',
  'accounts',
  'sessions',
  'products',
  'carts',
  'audit',
  'tenants',
  'roles',
  'permissions',
  'events',
  'webhooks',
  'reports',
  'exports',
  'imports',
  'teams',
  'projects',
  'comments',
];

export function word(i) {
  return WORDS[i % WORDS.length];
}

function pyRepr(value) {
  if (value === null) return 'None';
  if (Array.isArray(value)) return value.length === 1 ? `('${value[0]}',)` : `(${value.map((v) => `'${v}'`).join(', ')})`;
  return `'${value}'`;
}

/**
 * One revision script in the shape of Alembic's current `generic` template (typed module-level
 * identifiers), with an upgrade() of about twenty lines. `down` is null, an id, or a list (merge).
 */
export function migration({ id, down, i, labels = null }) {
  const table = `${word(i)}_${i}`;
  const downIds = down === null ? [] : Array.isArray(down) ? down : [down];
  const isMerge = downIds.length > 1;
  const message = isMerge ? `merge ${downIds.join(', ')}` : `add ${table}`;
  const date = new Date(Date.UTC(2020, 0, 1) + i * 3_600_000).toISOString().replace('T', ' ').replace('Z', '000');
  const body = isMerge
    ? ['    pass']
    : [
        `    op.create_table(`,
        `        '${table}',`,
        `        sa.Column('id', sa.Integer(), nullable=False),`,
        `        sa.Column('tenant_id', sa.Integer(), nullable=False),`,
        `        sa.Column('name', sa.String(length=255), nullable=False),`,
        `        sa.Column('status', sa.String(length=32), server_default='new', nullable=False),`,
        `        sa.Column('payload', sa.JSON(), nullable=True),`,
        `        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),`,
        `        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),`,
        `        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),`,
        `        sa.PrimaryKeyConstraint('id'),`,
        `    )`,
        `    op.create_index(op.f('ix_${table}_tenant_id'), '${table}', ['tenant_id'], unique=False)`,
        `    op.create_index(op.f('ix_${table}_status'), '${table}', ['status'], unique=False)`,
        `    op.add_column('${word(i + 1)}', sa.Column('${table}_id', sa.Integer(), nullable=True))`,
        `    op.create_foreign_key(`,
        `        'fk_${word(i + 1)}_${table}_id', '${word(i + 1)}', '${table}', ['${table}_id'], ['id']`,
        `    )`,
        `    # data backfill kept small on purpose`,
        `    op.execute("UPDATE ${word(i + 1)} SET ${table}_id = NULL")`,
      ];
  const downBody = isMerge
    ? ['    pass']
    : [
        `    op.drop_constraint('fk_${word(i + 1)}_${table}_id', '${word(i + 1)}', type_='foreignkey')`,
        `    op.drop_column('${word(i + 1)}', '${table}_id')`,
        `    op.drop_index(op.f('ix_${table}_status'), table_name='${table}')`,
        `    op.drop_index(op.f('ix_${table}_tenant_id'), table_name='${table}')`,
        `    op.drop_table('${table}')`,
      ];
  return [
    `"""${message}`,
    ``,
    `Revision ID: ${id}`,
    `Revises: ${downIds.join(', ')}`,
    `Create Date: ${date}`,
    ``,
    `"""`,
    `from typing import Sequence, Union`,
    ``,
    `from alembic import op`,
    `import sqlalchemy as sa`,
    ``,
    ``,
    `# revision identifiers, used by Alembic.`,
    `revision: str = '${id}'`,
    `down_revision: Union[str, Sequence[str], None] = ${pyRepr(down)}`,
    `branch_labels: Union[str, Sequence[str], None] = ${labels ? pyRepr(labels) : 'None'}`,
    `depends_on: Union[str, Sequence[str], None] = None`,
    ``,
    ``,
    `def upgrade() -> None:`,
    `    """Upgrade schema."""`,
    ...body,
    ``,
    ``,
    `def downgrade() -> None:`,
    `    """Downgrade schema."""`,
    ...downBody,
    ``,
  ].join('\n');
}

export function fileName(id, i, down) {
  return Array.isArray(down) && down.length > 1 ? `${id}_merge_heads_${i}.py` : `${id}_add_${word(i)}_${i}.py`;
}

/** A linear chain of `n` revisions: [{ id, down, i, file, content }]. */
export function linearChain(namespace, n) {
  const out = [];
  let prev = null;
  for (let i = 0; i < n; i += 1) {
    const id = revId(namespace, i);
    out.push({ id, down: prev, i, file: fileName(id, i, prev), content: migration({ id, down: prev, i }) });
    prev = id;
  }
  return out;
}

/**
 * `n` revisions, mostly a chain, where every 50th step opens a branch (two revisions on the same
 * parent, the second with a branch label) and the next closes it with a merge. One head at the end.
 */
export function branchyGraph(namespace, n) {
  const out = [];
  let prev = null;
  let branches = 0;
  let merges = 0;
  for (let i = 0; i < n;) {
    if (i % 50 === 25 && i + 3 <= n - 1) {
      const a = revId(namespace, i);
      const b = revId(namespace, i + 1);
      const m = revId(namespace, i + 2);
      const label = [`feature_${i}`];
      out.push({ id: a, down: prev, i, file: fileName(a, i, prev), content: migration({ id: a, down: prev, i }) });
      out.push({ id: b, down: prev, i: i + 1, file: fileName(b, i + 1, prev), content: migration({ id: b, down: prev, i: i + 1, labels: label }) });
      out.push({ id: m, down: [a, b], i: i + 2, file: fileName(m, i + 2, [a, b]), content: migration({ id: m, down: [a, b], i: i + 2 }) });
      branches += 1;
      merges += 1;
      prev = m;
      i += 3;
      continue;
    }
    const id = revId(namespace, i);
    out.push({ id, down: prev, i, file: fileName(id, i, prev), content: migration({ id, down: prev, i }) });
    prev = id;
    i += 1;
  }
  return { revisions: out, head: prev, branches, merges };
}

export const ENV_PY = `from logging.config import fileConfig

from sqlalchemy import engine_from_config
from sqlalchemy import pool

from alembic import context

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
target_metadata = None


def run_migrations_offline() -> None:
    """Run migrations in 'offline' mode."""
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations in 'online' mode."""
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )

    with connectable.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata
        )

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
`;

export const SCRIPT_MAKO = `"""\${message}

Revision ID: \${up_revision}
Revises: \${down_revision | comma,n}
Create Date: \${create_date}

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
\${imports if imports else ""}

# revision identifiers, used by Alembic.
revision: str = \${repr(up_revision)}
down_revision: Union[str, Sequence[str], None] = \${repr(down_revision)}
branch_labels: Union[str, Sequence[str], None] = \${repr(branch_labels)}
depends_on: Union[str, Sequence[str], None] = \${repr(depends_on)}


def upgrade() -> None:
    """Upgrade schema."""
    \${upgrades if upgrades else "pass"}


def downgrade() -> None:
    """Downgrade schema."""
    \${downgrades if downgrades else "pass"}
`;

export function alembicIni(scriptLocation) {
  return `# A generic, single database configuration.

[alembic]
script_location = ${scriptLocation}
prepend_sys_path = .
version_path_separator = os
sqlalchemy.url = driver://user:pass@localhost/dbname

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
`;
}

const FRONT_AREAS = ['components', 'features', 'pages', 'hooks', 'services', 'store', 'utils', 'widgets'];
const FRONT_FILES = [
  ['index.ts', (n) => `export * from './${n}';\nexport { default } from './${n}';\n`],
  [
    '%.tsx',
    (n, i) =>
      `import { useState } from 'react';\nimport styles from './${n}.module.css';\nimport type { ${n}Props } from './types';\n\nexport function ${n}({ title, items }: ${n}Props) {\n  const [open, setOpen] = useState(false);\n  return (\n    <section className={styles.root} data-id="${i}">\n      <button onClick={() => setOpen(!open)}>{title}</button>\n      {open && <ul>{items.map((item) => <li key={item.id}>{item.label}</li>)}</ul>}\n    </section>\n  );\n}\n\nexport default ${n};\n`,
  ],
  [
    '%.test.tsx',
    (n) =>
      `import { render, screen } from '@testing-library/react';\nimport { ${n} } from './${n}';\n\ntest('${n} renders its title', () => {\n  render(<${n} title="hello" items={[]} />);\n  expect(screen.getByText('hello')).toBeTruthy();\n});\n`,
  ],
  ['%.module.css', (n, i) => `.root {\n  display: flex;\n  gap: ${i % 16}px;\n}\n\n.${n.toLowerCase()} {\n  color: var(--fg);\n}\n`],
  [
    'types.ts',
    (n) => `export interface ${n}Item {\n  id: string;\n  label: string;\n}\n\nexport interface ${n}Props {\n  title: string;\n  items: ${n}Item[];\n}\n`,
  ],
  [
    '%.stories.tsx',
    (n) =>
      `import type { Meta } from '@storybook/react';\nimport { ${n} } from './${n}';\n\nconst meta: Meta<typeof ${n}> = { component: ${n} };\nexport default meta;\nexport const Basic = { args: { title: '${n}', items: [] } };\n`,
  ],
  [
    'api.ts',
    (n, i) =>
      `import { http } from '../../../lib/http';\n\nexport async function fetch${n}(id: string) {\n  return http.get(\`/api/v1/${word(i)}/\${id}\`);\n}\n`,
  ],
  [
    'hooks.ts',
    (n) =>
      `import { useQuery } from '@tanstack/react-query';\nimport { fetch${n} } from './api';\n\nexport const use${n} = (id: string) => useQuery({ queryKey: ['${n}', id], queryFn: () => fetch${n}(id) });\n`,
  ],
  ['constants.ts', (n, i) => `export const ${n.toUpperCase()}_LIMIT = ${i % 100};\nexport const ${n.toUpperCase()}_KEY = '${n}';\n`],
  ['utils.ts', (n) => `export function format${n}(value: number): string {\n  return value.toLocaleString('en-US');\n}\n`],
  ['utils.test.ts', (n) => `import { format${n} } from './utils';\n\ntest('formats', () => expect(format${n}(1000)).toBe('1,000'));\n`],
  ['README.md', (n) => `# ${n}\n\nPart of the front end. See the design system for usage.\n`],
];
const BACK_FILES = [
  ['__init__.py', () => ''],
  [
    'models.py',
    (n, i) =>
      `from sqlalchemy import Column, Integer, String\n\nfrom app.db import Base\n\n\nclass ${n}(Base):\n    __tablename__ = "${word(i)}_${i}"\n\n    id = Column(Integer, primary_key=True)\n    name = Column(String(255), nullable=False)\n`,
  ],
  ['schemas.py', (n) => `from pydantic import BaseModel\n\n\nclass ${n}In(BaseModel):\n    name: str\n\n\nclass ${n}Out(${n}In):\n    id: int\n`],
  ['service.py', (n) => `from .models import ${n}\n\n\ndef get_${n.toLowerCase()}(session, ident: int) -> ${n} | None:\n    return session.get(${n}, ident)\n`],
  [
    'api.py',
    (n, i) =>
      `from fastapi import APIRouter\n\nrouter = APIRouter(prefix="/${word(i)}/${i}")\n\n\n@router.get("/{ident}")\ndef read(ident: int):\n    return {"id": ident, "kind": "${n}"}\n`,
  ],
  [
    'test_service.py',
    (n) => `from .service import get_${n.toLowerCase()}\n\n\ndef test_missing(session):\n    assert get_${n.toLowerCase()}(session, -1) is None\n`,
  ],
  ['test_api.py', (n, i) => `def test_read(client):\n    assert client.get("/${word(i)}/${i}/1").status_code == 200\n`],
  ['tasks.py', (n) => `from app.worker import task\n\n\n@task\ndef refresh_${n.toLowerCase()}() -> None:\n    pass\n`],
  ['repository.py', (n) => `class ${n}Repository:\n    def __init__(self, session):\n        self.session = session\n`],
  ['constants.py', (n, i) => `${n.toUpperCase()}_LIMIT = ${i % 100}\n`],
  ['README.md', (n) => `# ${n}\n\nBackend module.\n`],
];

function camel(parts) {
  return parts
    .map((p) => p.replace(/[^a-z0-9]/gi, ''))
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');
}

/**
 * The ordinary files of the big repository: `dirs` leaf directories (60% front end, 40% backend)
 * holding `files` files in all. Yields [path, content].
 */
export function* appFiles({ dirs, files }) {
  const frontDirs = Math.round(dirs * 0.6);
  const perDir = Math.ceil(files / dirs);
  let made = 0;
  for (let d = 0; d < dirs && made < files; d += 1) {
    const front = d < frontDirs;
    const k = front ? d : d - frontDirs;
    // Leaves come in groups of 20 under one parent, so there are few directories besides them.
    const g = Math.floor(k / 20);
    const dir = front
      ? `frontend/src/${FRONT_AREAS[g % FRONT_AREAS.length]}/${word(g)}-${g}/${word(k + 3)}-${k}`
      : `backend/app/${word(g)}_${g}/${word(k + 7)}_${k}`;
    const name = camel([word(k + 3), String(k)]);
    const templates = front ? FRONT_FILES : BACK_FILES;
    for (let f = 0; f < perDir && made < files; f += 1) {
      const [pattern, render] = templates[f % templates.length];
      const round = Math.floor(f / templates.length);
      let base = pattern.replace('%', name);
      if (round > 0) base = base.replace(/(\.[^.]+)$/, `_${round}$1`);
      yield [`${dir}/${base}`, render(name, d * 100 + f)];
      made += 1;
    }
  }
}

export const ROOT_FILES = {
  '.gitignore': 'node_modules/\ndist/\n.venv/\n__pycache__/\n*.pyc\n.env\ncoverage/\n.pytest_cache/\n',
  'README.md': '# monorepo\n\nfrontend/ (React) and backend/ (FastAPI + Alembic).\n',
  'package.json': '{\n  "name": "monorepo",\n  "private": true,\n  "workspaces": ["frontend"]\n}\n',
  'frontend/package.json': '{\n  "name": "frontend",\n  "private": true,\n  "scripts": { "build": "vite build" }\n}\n',
  'frontend/tsconfig.json': '{\n  "compilerOptions": { "jsx": "react-jsx", "strict": true }\n}\n',
  'backend/pyproject.toml': '[project]\nname = "backend"\nversion = "0.1.0"\nrequires-python = ">=3.11"\ndependencies = ["fastapi", "sqlalchemy", "alembic"]\n',
  'backend/app/__init__.py': '',
  'backend/app/db.py': 'from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n',
};

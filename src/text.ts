/**
 * A UTF-8 byte order mark at the start of a configuration file (some Windows editors write one)
 * is not part of its content: npm reads such a package.json fine, while JSON.parse refuses it and
 * a TOML header on the first line is not seen behind it. Every configuration the guard reads
 * (package.json, .alembic-guard.json, pyproject.toml, alembic.ini; migrations decode it in
 * script.ts) goes through here first.
 */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

import { type Finding, findingPaths } from '../findings.js';
import { bypassNotLogged, describe, fix } from './messages.js';
import { blocking, exitCode, type CommandName, type Report } from './verdict.js';

/**
 * The stable JSON schema (README, "JSON output"): schemaVersion 1. Lists are always lists; paths
 * are repository-relative with forward slashes.
 */
export function renderJson(report: Report): string {
  const ws = report.workspace;
  const out = {
    schemaVersion: 1,
    command: report.command,
    ok: blocking(report).length === 0,
    exitCode: exitCode(report),
    bypassed: report.bypass
      ? {
          reason: report.bypass.reason,
          logFile: report.bypass.logFile,
          ...(report.bypass.logError ? { logError: bypassNotLogged(report.bypass.logError.file, report.bypass.logError.reason) } : {}),
        }
      : null,
    configuration: ws ? ws.config.source : null,
    environments: ws
      ? ws.discovery.environments.map((env) => ({
          name: env.name,
          source: env.source,
          scriptDir: env.scriptDir,
          versions: env.versions,
          envFiles: env.envFiles,
          allowMultipleHeads: env.allowMultipleHeads,
        }))
      : [],
    findings: report.findings.map((f) => findingJson(f, report.command)),
    ...(report.facts ?? {}),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

export function findingJson(f: Finding, command?: CommandName): Record<string, unknown> {
  const { kind, severity, ...rest } = f as Finding & Record<string, unknown>;
  const base: Record<string, unknown> = {
    kind,
    severity,
    environment: (rest.environment as string | undefined) ?? null,
    path: (rest.path as string | undefined) ?? null,
    paths: findingPaths(f),
    message: describe(f),
    fix: fix(f, command),
  };
  if (f.kind === 'graph') {
    base.problem = f.problem.kind;
    base.revisions = f.problem.revisions;
    base.source = f.source;
  } else if (f.kind === 'merge-graph') {
    base.problem = f.problem.kind;
    base.revisions = f.problem.revisions;
    base.base = f.base;
    base.branch = f.branch;
    base.baseHeads = f.baseHeads;
    base.repoint = f.repoint ?? null;
  } else {
    for (const [key, value] of Object.entries(rest)) if (!(key in base)) base[key] = value;
  }
  return base;
}

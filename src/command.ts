/**
 * What the CLI hands a command and what a command hands back. Commands import these types from
 * here, never from cli.ts, so that the CLI stays the one module above every command.
 */
import type { Format, Report } from './report/verdict.js';

/** What every command is given: the output format and the folder it runs in. */
export interface GlobalOptions {
  format: Format;
  cwd: string;
}

/** Where a database URL comes from (verify, locate). */
export interface DatabaseOptions {
  'db-url'?: string;
  'db-url-env'?: string;
}

export interface VerifyOptions extends GlobalOptions, DatabaseOptions {
  /** The commit to judge; HEAD when unset. */
  rev?: string;
  /** Judge the tree git would make by merging HEAD into this ref. */
  base?: string;
  /** Edits of migrations the base already has block instead of warning. */
  strict?: boolean;
}

export interface GraphOptions extends GlobalOptions {
  rev?: string;
  index?: boolean;
  worktree?: boolean;
  json?: boolean;
  base?: string;
}

export type LocateCommandOptions = GlobalOptions & DatabaseOptions;

export interface InstallOptions extends GlobalOptions {
  mode?: string;
  force?: boolean;
}

export interface DemoOptions extends GlobalOptions {
  keep?: boolean;
}

/** What a command hands back: a report to render, or finished text and an exit code. */
export type CommandResult = { report: Report } | { text: string; exitCode: number; stream?: 'stdout' | 'stderr' };

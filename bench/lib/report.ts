/**
 * Shared reporting for benchmarks (docs/architecture.md, R12): every benchmark prints the machine, its
 * configuration and a readable table; with `--json` in argv it also prints exactly one JSON object
 * as the last line of output, for scripts to pick up with `tail -n 1`.
 *
 * Call `printReport` once, at the very end, after every worker has been stopped (a worker's
 * console output goes through the main thread and could otherwise land after the JSON line).
 */
import { readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';

export type Cell = string | number | boolean | null;
export type Row = Readonly<Record<string, Cell>>;

export interface Column {
  /** Key in each row. */
  readonly key: string;
  /** Header text; defaults to the key. Put the unit here, e.g. "ns/job". */
  readonly title?: string;
  /** Decimal places for numbers; by default up to 3 significant decimals, integers as is. */
  readonly digits?: number;
}

export interface Machine {
  readonly cpuModel: string;
  /** Logical CPUs this process may use (os.availableParallelism). */
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly arch: string;
  readonly osRelease: string;
}

/** A further table of a report, e.g. every run in the order it ran. */
export interface Table {
  readonly title: string;
  readonly columns: readonly Column[];
  readonly rows: readonly Row[];
}

export interface Report {
  /** Benchmark name, e.g. "ring". */
  readonly name: string;
  /** One line on what is measured. */
  readonly description?: string;
  /** Parameters of the run (rates, sizes, durations), with units in the keys. */
  readonly config: Readonly<Record<string, Cell>>;
  readonly columns: readonly Column[];
  readonly rows: readonly Row[];
  /** Further tables, printed after the main one; in the JSON as `tables` ({ title, rows }). */
  readonly tables?: readonly Table[];
  /** Headline figures (ratios against the baseline, etc.), printed under the table. */
  readonly summary?: Readonly<Record<string, Cell>>;
  /** Free-text lines printed last (how to read the table, caveats). */
  readonly notes?: readonly string[];
}

export function machine(): Machine {
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    v8: process.versions.v8,
    platform: os.platform(),
    arch: os.arch(),
    osRelease: os.release(),
  };
}

/**
 * The filesystem that holds `path` on this machine, from /proc/mounts (the longest mount point
 * that contains it), e.g. "ext4 on /dev/vda at /": whether an fsync reaches a disk depends on it
 * (tmpfs never does). "unknown" where /proc/mounts cannot be read.
 */
export function filesystemOf(path: string): string {
  let mounts: string;
  let real: string;
  try {
    mounts = readFileSync('/proc/mounts', 'utf8');
    real = realpathSync(path);
  } catch {
    return 'unknown';
  }
  let best: { point: string; text: string } | undefined;
  for (const line of mounts.split('\n')) {
    const [device, escapedPoint, type] = line.split(' ');
    if (!device || !escapedPoint || !type) continue;
    // /proc/mounts writes spaces and the like in octal (\040).
    const point = escapedPoint.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    const inside = point === '/' || real === point || real.startsWith(`${point}/`);
    // Later lines are mounted over earlier ones at the same point.
    if (inside && (!best || point.length >= best.point.length)) best = { point, text: `${type} on ${device} at ${point}` };
  }
  return best?.text ?? 'unknown';
}

export function wantsJson(argv: readonly string[] = process.argv): boolean {
  return argv.includes('--json');
}

function formatCell(value: Cell | undefined, digits: number | undefined): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    if (digits !== undefined) return value.toFixed(digits);
    if (Number.isInteger(value)) return String(value);
    const magnitude = Math.abs(value);
    return value.toFixed(magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3);
  }
  return String(value);
}

/** A plain-text table: text columns left-aligned, numeric ones right-aligned. */
export function formatTable(columns: readonly Column[], rows: readonly Row[]): string {
  const header = columns.map((c) => c.title ?? c.key);
  const body = rows.map((row) => columns.map((c) => formatCell(row[c.key], c.digits)));
  const numeric = columns.map((c) => rows.some((row) => typeof row[c.key] === 'number'));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => (cells[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function formatPairs(pairs: Readonly<Record<string, Cell>>): string {
  const keys = Object.keys(pairs);
  const width = Math.max(0, ...keys.map((k) => k.length));
  return keys.map((k) => `  ${k.padEnd(width)}  ${formatCell(pairs[k], undefined)}`).join('\n');
}

/** Prints the human-readable report and, with --json in argv, the JSON object as the last line. */
export function printReport(report: Report, argv: readonly string[] = process.argv): void {
  const host = machine();
  const out: string[] = [];
  out.push(`# ${report.name}${report.description ? `: ${report.description}` : ''}`);
  out.push('', 'machine', formatPairs({ ...host }));
  out.push('', 'config', formatPairs(report.config));
  out.push('', formatTable(report.columns, report.rows));
  for (const table of report.tables ?? []) out.push('', table.title, formatTable(table.columns, table.rows));
  if (report.summary) out.push('', 'summary', formatPairs(report.summary));
  if (report.notes && report.notes.length > 0) out.push('', ...report.notes);
  process.stdout.write(`${out.join('\n')}\n`);
  if (wantsJson(argv)) {
    const json = {
      benchmark: report.name,
      date: new Date().toISOString(),
      machine: host,
      config: report.config,
      results: report.rows,
      summary: report.summary ?? {},
      ...(report.tables ? { tables: report.tables.map(({ title, rows }) => ({ title, rows })) } : {}),
    };
    process.stdout.write(`\n${JSON.stringify(json)}\n`);
  }
}

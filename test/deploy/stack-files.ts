/**
 * Readers for the deployment files, for test/deploy/deploy.test.ts: a Dockerfile parser, a
 * .dockerignore matcher, Compose variable interpolation, the metric names in a PromQL
 * expression, and a promtool runner. Each does what the deployment files here need, not the
 * whole of its format; where a file steps outside that, the reader throws rather than guess.
 */
import { spawn } from 'node:child_process';

// --- Dockerfile ---------------------------------------------------------------------------

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY… */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  readonly args: string;
}

export interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  readonly stages: readonly Stage[];
}

/** Splits a Dockerfile into stages; global ARG defaults are substituted into FROM lines. */
export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (pending === '' && /^\s*(#|$)/.test(line)) continue; // comments and parser directives
    if (pending !== '' && /^\s*#/.test(line)) continue; // comment lines inside a continuation
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const whole = (pending + line.trim()).trim();
    pending = '';
    const match = /^(\w+)\s+([\s\S]*)$/.exec(whole);
    if (!match) throw new Error(`Dockerfile line not understood: ${whole}`);
    instructions.push({ keyword: (match[1] as string).toUpperCase(), args: (match[2] as string).trim() });
  }
  if (pending !== '') throw new Error('Dockerfile ends inside a line continuation');

  const globalArgs = new Map<string, string>();
  const stages: { image: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!match) throw new Error(`FROM not understood: ${instruction.args}`);
      const image = (match[1] as string).replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced: string | undefined, bare: string | undefined) => {
        const value = globalArgs.get((braced ?? bare) as string);
        if (value === undefined) throw new Error(`FROM uses ARG ${braced ?? bare}, which has no default`);
        return value;
      });
      stages.push({ image, name: match[2], instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`only ARG may come before the first FROM, not ${instruction.keyword}`);
      const [name, value] = instruction.args.split('=', 2);
      if (value !== undefined) globalArgs.set(name as string, value);
    } else {
      (stages.at(-1) as { instructions: Instruction[] }).instructions.push(instruction);
    }
  }
  return { stages };
}

/** The values an exec-form (JSON array) instruction holds, as in CMD ["node", "src/main.ts"]. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) throw new Error(`not an exec-form array: ${args}`);
  return parsed;
}

/** KEY=value pairs of every ENV in a stage (the `ENV a=1 b=2` form). */
export function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { keyword, args } of stage.instructions) {
    if (keyword !== 'ENV') continue;
    for (const pair of args.split(/\s+/)) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new Error(`ENV must use KEY=value pairs, got "${pair}"`);
      env[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    }
  }
  return env;
}

// --- .dockerignore --------------------------------------------------------------------------

interface IgnoreRule {
  readonly negated: boolean;
  readonly regex: RegExp;
}

function globToRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[' || char === ']') throw new Error(`.dockerignore character classes are not supported here: ${pattern}`);
    else source += char.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/**
 * Whether Docker leaves `path` (relative to the context, with `/`) out of the build context:
 * the last pattern that matches the path or one of its parent directories decides, and `!`
 * patterns bring paths back, as in moby's patternmatcher.
 */
export function dockerIgnores(dockerignore: string, path: string): boolean {
  const rules: IgnoreRule[] = [];
  for (const raw of dockerignore.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line).trim().replace(/^\/+/, '').replace(/\/+$/, '');
    rules.push({ negated, regex: globToRegex(pattern) });
  }
  const parts = path.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (candidates.some((candidate) => rule.regex.test(candidate))) ignored = !rule.negated;
  }
  return ignored;
}

// --- Compose interpolation ---------------------------------------------------------------------

export class InterpolationError extends Error {
  override readonly name = 'InterpolationError';
}

/**
 * Compose's variable substitution: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
 * ${VAR:?error}, ${VAR?error} and $$ for a literal $. Any other $ is an error, as in Compose.
 */
export function interpolate(value: string, env: Readonly<Record<string, string | undefined>>): string {
  const pattern = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|-|:\?|\?)([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*)|)/g;
  return value.replace(pattern, (_whole, dollar: string | undefined, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
    if (dollar) return '$';
    const name = braced ?? bare;
    if (name === undefined) throw new InterpolationError(`invalid interpolation in "${value}": a lone $ (write $$ for a literal one)`);
    const found = env[name];
    switch (op) {
      case ':-':
        return found ? found : (arg as string);
      case '-':
        return found ?? (arg as string);
      case ':?':
        if (!found) throw new InterpolationError(`${name}: ${arg}`);
        return found;
      case '?':
        if (found === undefined) throw new InterpolationError(`${name}: ${arg}`);
        return found;
      default:
        return found ?? '';
    }
  });
}

/** The same document with every string value interpolated, as Compose does. */
export function interpolateDeep(node: unknown, env: Readonly<Record<string, string | undefined>>): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((item) => interpolateDeep(item, env));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, interpolateDeep(value, env)]));
  }
  return node;
}

// --- PromQL ---------------------------------------------------------------------------------

const PROMQL_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan', 'atan2']);

/**
 * The metric names an expression selects: identifiers that are not functions, aggregations,
 * keywords, label names (in {…} or by/on/… lists), durations, strings or Grafana variables.
 */
export function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const name = match[0];
    const before = stripped[match.index - 1] ?? ' ';
    const after = stripped.slice(match.index + name.length);
    if (/[0-9.]/.test(before)) continue; // the unit of a number or duration, as in 5m
    if (/^\s*\(/.test(after)) continue; // a function or an aggregation
    if (PROMQL_KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

/** Metric families in a Prometheus text exposition, from its # TYPE lines. */
export function exposedFamilies(exposition: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const match of exposition.matchAll(/^# TYPE ([A-Za-z_:][A-Za-z0-9_:]*) (\w+)$/gm)) families.set(match[1] as string, match[2] as string);
  return families;
}

/** Every series name a family of this type puts in an exposition. */
export function seriesNames(family: string, type: string): string[] {
  if (type === 'histogram') return [family, `${family}_bucket`, `${family}_sum`, `${family}_count`];
  if (type === 'summary') return [family, `${family}_sum`, `${family}_count`];
  return [family];
}

// --- processes ---------------------------------------------------------------------------------

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion, feeding `input` on stdin. Rejects only if it cannot start. */
export function run(command: string, args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => undefined); // the command may exit without reading all of it
    child.stdin.end(options.input ?? '');
  });
}

/** promtool's path, or undefined when it is not installed. PROMTOOL overrides the lookup. */
export async function findPromtool(): Promise<string | undefined> {
  const command = process.env.PROMTOOL || 'promtool';
  try {
    const result = await run(command, ['--version']);
    return result.code === 0 ? command : undefined;
  } catch {
    return undefined;
  }
}

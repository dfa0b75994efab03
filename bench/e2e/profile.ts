/**
 * Summarizes V8 CPU profiles (`node --cpu-prof` writes one .cpuprofile per thread): the
 * functions with the most self time, that is time spent in their own code rather than in what
 * they call.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  /** Microseconds since the previous sample, one per sample. */
  readonly timeDeltas: readonly number[];
}

export interface HotFunction {
  readonly name: string;
  /** file:line, relative to the repository when inside it. */
  readonly where: string;
  readonly selfMs: number;
  /** Share of the thread's busy time (everything but idle). */
  readonly percent: number;
}

export interface ThreadProfile {
  readonly file: string;
  /** "main thread" or "worker thread N", from the file name V8 gives it (CPU.date.time.pid.threadId.seq.cpuprofile). */
  readonly thread: string;
  readonly busyMs: number;
  readonly top: readonly HotFunction[];
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));

function where(url: string, line: number): string {
  if (url === '') return '';
  const path = url.startsWith('file://') ? relative(REPO, fileURLToPath(url)) : url;
  return `${path}:${line + 1}`;
}

export function summarizeProfile(file: string, topN: number): ThreadProfile {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<string, { name: string; where: string; us: number }>();
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)') return;
    const us = profile.timeDeltas[i] ?? 0;
    busyUs += us;
    const key = `${frame.functionName}@${frame.url}:${frame.lineNumber}`;
    const entry = selfUs.get(key) ?? { name: frame.functionName || '(anonymous)', where: where(frame.url, frame.lineNumber), us: 0 };
    entry.us += us;
    selfUs.set(key, entry);
  });
  const top = [...selfUs.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, topN)
    .map((e) => ({ name: e.name, where: e.where, selfMs: e.us / 1000, percent: busyUs > 0 ? (100 * e.us) / busyUs : 0 }));
  const threadId = /\.(\d+)\.\d+\.cpuprofile$/.exec(file)?.[1];
  return { file, thread: threadId === '0' ? 'main thread' : `worker thread ${threadId}`, busyMs: busyUs / 1000, top };
}

/** Every .cpuprofile in `dir`, the busiest thread first. */
export function summarizeProfiles(dir: string, topN = 12): ThreadProfile[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => summarizeProfile(join(dir, name), topN))
    .sort((a, b) => b.busyMs - a.busyMs);
}

/** `node bench/e2e/profile.ts DIR [TOP]`: prints the summary of the profiles in DIR. */
if (import.meta.main) {
  const [dir, top] = process.argv.slice(2);
  if (!dir) {
    process.stderr.write('usage: node bench/e2e/profile.ts DIR [TOP]\n');
    process.exit(2);
  }
  for (const thread of summarizeProfiles(dir, Number(top ?? 12))) {
    process.stdout.write(`\n${thread.thread} (${thread.file}): ${(thread.busyMs / 1000).toFixed(1)} s busy\n`);
    for (const f of thread.top) process.stdout.write(`  ${f.percent.toFixed(1).padStart(5)} %  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}  ${f.where}\n`);
  }
}

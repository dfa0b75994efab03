/**
 * CPU time the whole machine has spent busy, from /proc/stat (Linux): every process plus the
 * kernel. It shows what per-process figures miss, such as loopback TCP processing in softirq,
 * which is charged to no process, and other work sharing the machine.
 */
import { readFileSync } from 'node:fs';

/** /proc/stat counts in USER_HZ ticks, 100 a second on Linux. */
const TICKS_PER_SECOND = 100;

export interface MachineCpu {
  /** user + nice + system + irq + softirq, seconds (idle, iowait and steal left out). */
  readonly busy: number;
  readonly softirq: number;
}

/** Undefined where /proc/stat does not exist. */
export function machineCpu(): MachineCpu | undefined {
  let first: string;
  try {
    first = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  } catch {
    return undefined;
  }
  // "cpu  user nice system idle iowait irq softirq steal …", summed over all CPUs.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = first.trim().split(/\s+/).slice(1).map(Number);
  return { busy: (user + nice + system + irq + softirq) / TICKS_PER_SECOND, softirq: softirq / TICKS_PER_SECOND };
}

/** The bots' results as a report (bench/lib/report.ts): a table of distributions and a summary. */
import type { Cell, Report, Row } from '../lib/report.ts';
import type { FleetProgress, FleetResult } from './fleet.ts';
import type { Percentiles } from './histogram.ts';
import type { BotOptions } from './options.ts';

function row(measure: string, unit: string, p: Percentiles): Row {
  return { measure, unit, samples: p.count, p50: p.p50, p90: p.p90, p99: p.p99, max: p.max };
}

export function botConfig(options: BotOptions): Record<string, Cell> {
  return {
    url: options.url,
    bots: options.count,
    firstId: options.firstId,
    zones: options.zones,
    movesPerSecPerBot: options.rate,
    speedMps: options.speedMps,
    clusterSize: options.cluster.size,
    clusterRadiusM: options.cluster.radius,
    clusterSpacingM: options.cluster.spacing,
    rampS: options.rampMs / 1000,
    gatherMaxS: options.gatherMs / 1000,
    durationS: options.durationMs / 1000,
    pingIntervalS: options.pingIntervalMs / 1000,
    processes: Math.min(options.processes, options.count),
    maxErrors: options.maxErrors,
    travel: options.travel,
    fight: options.fight,
  };
}

export function botsReport(options: BotOptions, result: FleetResult): Report {
  const seconds = result.windowSeconds || Number.NaN;
  const summary: Record<string, Cell> = {
    loggedIn: `${result.loggedIn} of ${result.bots}`,
    disconnects: result.disconnects,
    errors: result.errorTotal,
  };
  for (const [kind, count] of Object.entries(result.errors).sort()) summary[`errors.${kind}`] = count;
  for (const [kind, count] of Object.entries(result.fights).sort()) summary[`fights.${kind}`] = count;
  Object.assign(summary, {
    stoppedEarly: result.stoppedEarly,
    windowS: result.windowSeconds,
    movesSentPerSec: Math.round(result.movesSent / seconds),
    movesSentTargetPerSec: Math.round(result.loggedIn * options.rate),
    framesInPerSec: Math.round(result.framesIn / seconds),
    megabytesInPerSec: result.bytesIn / seconds / 1e6,
    movesSeenSuperseded: result.seen.superseded,
    movesSeenLate: result.seen.late,
    movesSeenUnmatched: result.seen.unmatched,
    movesSeenFromOtherProcesses: result.seen.foreign,
    botsCpuCores: result.cpuSeconds / seconds,
    handoversPerSec: result.handoverMs.count / seconds,
  });
  return {
    name: 'bots',
    description: 'load-test bots: move-to-seen latency, RTT, traffic and errors',
    config: botConfig(options),
    columns: [
      { key: 'measure' },
      { key: 'unit' },
      { key: 'samples' },
      { key: 'p50' },
      { key: 'p90' },
      { key: 'p99' },
      { key: 'max' },
    ],
    rows: [
      row('move-to-seen', 'ms', result.moveToSeenMs),
      row('move-to-seen across a border', 'ms', result.moveToSeenAcrossMs),
      row('hand-over (travel)', 'ms', result.handoverMs),
      row('RTT (ping)', 'ms', result.rttMs),
      row('frames received per bot', 'frames/s', result.framesPerBotSecond),
      row('bytes received per bot', 'bytes/s', result.bytesPerBotSecond),
    ],
    summary,
    notes: [
      'move-to-seen: from a bot sending a move to another bot of the same process applying the frame that shows it, one sample per move sent in the window and viewer (README, "Load-test bots").',
      'move-to-seen across a border: the samples whose viewer was in another zone than the mover. hand-over: with --travel, from a bot sending the move that takes it into another zone to hearing ZoneChanged.',
      'Distributions and rates cover the measured window only; errors and disconnects the whole run, one count per event.',
    ],
  };
}

/** The live progress line: phase, bots in the world and at home, traffic over the last second, errors so far. */
export function progressLine(p: FleetProgress): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  return `${p.elapsedS.toFixed(0).padStart(4)}s ${p.phase.padEnd(8)} in world ${n(p.inWorld)}/${n(p.bots)}  home ${n(p.home)}  frames/s ${n(p.framesPerSec)}  moves/s ${n(p.movesPerSec)}  errors ${n(p.errors)}`;
}

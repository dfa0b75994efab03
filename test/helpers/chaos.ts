/**
 * The chaos suite's two sizes: the short form every test run has (CI included), and the full one
 * `npm run chaos` asks for (CHAOS=full), whose figures bench/README.md records.
 */
export const FULL_CHAOS = process.env.CHAOS === 'full';

/** `short` normally, `full` under `npm run chaos`. */
export function chaosScale(short: number, full: number): number {
  return FULL_CHAOS ? full : short;
}

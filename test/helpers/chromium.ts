/** Debian's Chromium for the browser tests (playwright-core drives it; it downloads no browser of its own). */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));

/**
 * The browser's path; without one the test is skipped, loudly, saying that `what` was not tried
 * (and fails under CI=true, where .ci/run has installed it).
 */
export function needChromium(t: TestContext, what: string): string | undefined {
  if (CHROMIUM) return CHROMIUM;
  const message = `chromium is not installed (Debian package chromium; .ci/run installs it): ${what} did not run`;
  if (process.env.CI === 'true') assert.fail(`${message}, and CI=true requires it`);
  process.stderr.write(`\n*** SKIPPED: ${message} ***\n`);
  t.skip(message);
  return undefined;
}

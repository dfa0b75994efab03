/**
 * A bot process started by the fleet (bench/bots/fleet.ts) for `--processes`: it runs one
 * BotGroup as the parent tells it over IPC and reports progress every half second.
 */
import type { FromChild, ToChild } from './fleet.ts';
import { BotGroup } from './group.ts';

let group: BotGroup | undefined;
let reporter: NodeJS.Timeout | undefined;

function send(message: FromChild): Promise<void> {
  return new Promise((resolve) => process.send?.(message, () => resolve()));
}

// The fleet is gone (or done with this process): nothing left to report to.
process.on('disconnect', () => process.exit(0));

process.on('message', async (message: ToChild) => {
  switch (message.type) {
    case 'start':
      group = new BotGroup(message.playerIds, message.options);
      reporter = setInterval(() => void send({ type: 'progress', progress: (group as BotGroup).progress() }), 500);
      await group.start();
      // With the counts as they stand, so that the fleet decides what comes next on fresh figures.
      await send({ type: 'started', progress: group.progress() });
      return;
    case 'window':
      group?.openWindow();
      return;
    case 'stop': {
      clearInterval(reporter);
      if (!group) return;
      const result = await group.stop();
      await send({ type: 'result', result });
      process.disconnect();
      return;
    }
  }
});

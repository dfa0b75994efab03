/**
 * The gateway benchmark's baseline: a bare `ws` server with the gateway's socket options that
 * only counts the frames it receives. Runs as a child process; answers "sample" over IPC with
 * its frame count and CPU time.
 */
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 4096, perMessageDeflate: false, clientTracking: false });
let frames = 0;
wss.on('connection', (socket) => {
  socket.on('message', () => {
    frames++;
  });
});
wss.on('listening', () => {
  const address = wss.address();
  process.send?.({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('message', (message: { type: string }) => {
  if (message.type === 'sample') {
    const cpu = process.cpuUsage();
    process.send?.({ type: 'sample', frames, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
  } else if (message.type === 'stop') {
    wss.close();
    process.exit(0);
  }
});

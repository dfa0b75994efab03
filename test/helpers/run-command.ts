/** Running a command to its end without blocking this process (a server under test may run in it). */
import { execFile } from 'node:child_process';

/** Resolves with its stdout; rejects with the command, its failure and both outputs. */
export function runCommand(command: string, args: readonly string[], options: { cwd?: string; timeoutMs: number }): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: options.cwd, encoding: 'utf8', timeout: options.timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(' ')} failed (${err.message}):\n${stdout}\n${stderr}`));
      else resolve({ stdout });
    });
  });
}

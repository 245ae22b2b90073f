import { spawn } from 'node:child_process';
import { BIN } from './cli.js';

/**
 * Runs the built CLI with `args`, SIGKILLed after `afterMs`, or by strace's fault injection on entering its
 * `killAtRename`-th rename. Resolves to 'SIGKILL' when killed, else the exit code.
 */
export function spawnAndKill(args: readonly string[], afterMs: number, killAtRename?: number): Promise<NodeJS.Signals | number | null> {
  return new Promise((resolve) => {
    const renames = 'rename,renameat,renameat2';
    const [cmd, argv] =
      killAtRename === undefined
        ? [process.execPath, [BIN, ...args]]
        : ['strace', ['-f', '-qq', '-o', '/dev/null', '-e', `trace=${renames}`, '-e', `inject=${renames}:signal=SIGKILL:when=${killAtRename}`, process.execPath, BIN, ...args]];
    const child = spawn(cmd, argv, { stdio: 'ignore', env: { PATH: process.env['PATH'] ?? '' } });
    const timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // under strace the traced process's SIGKILL shows as strace's own exit status 137
      resolve(signal ?? (code === 137 ? 'SIGKILL' : code));
    });
  });
}

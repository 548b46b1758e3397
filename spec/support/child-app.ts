/**
 * Runs an app fixture in a fresh Node process, for behaviours that depend on what happened earlier in the process
 * (the first request of all, a warning given once). The fixture prints `listening <port>` on stdout; the process is
 * stopped by its own pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface ChildApp {
  readonly url: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '../..');

/** Starts `fixture` (a path under the repository) with `env` added to this process's environment. */
export function startChildApp(fixture: string, env: Record<string, string> = {}): Promise<ChildApp> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, fixture)], {
    cwd: ROOT,
    env: { ...process.env, ...env, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', code => reject(new Error(`${fixture} exited with ${code} before listening:\n${stderr}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const port = /listening (\d+)/.exec(stdout)?.[1];
      if (port === undefined) return;
      child.removeAllListeners('exit');
      resolve({ url: `http://127.0.0.1:${port}`, stderr: () => stderr, stop: () => stopChild(child) });
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise(resolve => {
    child.once('exit', () => resolve());
    process.kill(child.pid!, 'SIGTERM');
  });
}

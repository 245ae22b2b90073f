/**
 * A harness that plays the kubelet's static-pod loop at the boundary kubecerts touches, since no real kubelet can run
 * here: every `fileCheckFrequencyMs` it reads the manifests folder (skipping hidden files, as the kubelet does, and
 * running every other file, so a stray `kube-apiserver.yaml.bak` runs too), starts a process for each new manifest,
 * stops the process of a removed manifest, restarts the process of a changed one, and restarts a process that exits
 * while its manifest is unchanged (a simplified CrashLoopBackOff). etcd manifests run Debian's real etcd with the
 * manifest's flags; kube-apiserver, kube-controller-manager and kube-scheduler run `fake-control-plane.mjs`, with
 * argv[0] set to the component name so `/proc/<pid>/cmdline` names it as on a real node.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';

const FAKE = join(dirname(fileURLToPath(import.meta.url)), 'fake-control-plane.mjs');

export interface PodEvent {
  readonly at: number;
  readonly file: string;
  readonly component: string;
  readonly event: 'start' | 'stop' | 'exit';
  readonly pid: number | undefined;
}

interface RunningPod {
  readonly hash: string;
  readonly component: string;
  readonly command: readonly string[];
  child: ChildProcess | undefined;
  log: string;
  restartAt: number | undefined;
  stopping: boolean;
}

export interface KubeletOptions {
  readonly manifestsDir: string;
  /** how often the folder is read, in ms (the kubelet's fileCheckFrequency, 20 s by default; short in tests) */
  readonly fileCheckFrequencyMs?: number;
  /** delay before a process that exited is started again, in ms */
  readonly restartBackoffMs?: number;
}

export class KubeletHarness {
  readonly events: PodEvent[] = [];
  private readonly pods = new Map<string, RunningPod>();
  private timer: NodeJS.Timeout | undefined;
  private readonly every: number;
  private readonly backoff: number;

  constructor(private readonly o: KubeletOptions) {
    this.every = o.fileCheckFrequencyMs ?? 300;
    this.backoff = o.restartBackoffMs ?? 1000;
  }

  start(): void {
    this.sync();
    this.timer = setInterval(() => this.sync(), this.every);
  }

  /** Stops reading the folder but leaves the processes running: a kubelet that hangs or does not watch the folder. */
  pause(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Starts reading the folder again after `pause()`. */
  resume(): void {
    if (!this.timer) this.timer = setInterval(() => this.sync(), this.every);
  }

  /** Stops the loop and every process it started; resolves when they have exited. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([...this.pods.keys()].map((f) => this.kill(f)));
  }

  /** The pid of the process running `file` (a manifest's file name), if any. */
  pid(file: string): number | undefined {
    const c = this.pods.get(file)?.child;
    return c && c.exitCode === null && c.signalCode === null ? c.pid : undefined;
  }

  /** The last output of the process of `file`, for failure messages. */
  log(file: string): string {
    return this.pods.get(file)?.log ?? '';
  }

  private sync(): void {
    let names: string[];
    try {
      names = readdirSync(this.o.manifestsDir).filter((n) => !n.startsWith('.'));
    } catch {
      names = [];
    }
    const present = new Map<string, string>();
    for (const n of names) {
      const p = join(this.o.manifestsDir, n);
      try {
        if (!statSync(p).isFile()) continue;
        present.set(n, createHash('sha256').update(readFileSync(p)).digest('hex'));
      } catch {
        // removed between readdir and read
      }
    }
    for (const [file, pod] of this.pods) {
      const hash = present.get(file);
      if (hash !== pod.hash && !pod.stopping) void this.kill(file);
    }
    for (const [file, hash] of present) {
      const pod = this.pods.get(file);
      if (!pod) this.launch(file, hash);
      else if (!pod.stopping && pod.child === undefined && pod.restartAt !== undefined && Date.now() >= pod.restartAt) this.spawnFor(file, pod);
    }
  }

  private launch(file: string, hash: string): void {
    let command: string[];
    try {
      const doc = yaml.load(readFileSync(join(this.o.manifestsDir, file), 'utf8')) as {
        spec?: { containers?: { command?: string[]; args?: string[] }[] };
      };
      const c = doc?.spec?.containers?.[0];
      command = [...(c?.command ?? []), ...(c?.args ?? [])];
    } catch {
      command = [];
    }
    const pod: RunningPod = { hash, component: command[0] ?? '', command, child: undefined, log: '', restartAt: undefined, stopping: false };
    this.pods.set(file, pod);
    if (command.length === 0) pod.log = 'manifest does not parse or has no command';
    else this.spawnFor(file, pod);
  }

  private spawnFor(file: string, pod: RunningPod): void {
    const [bin, ...args] = pod.command as [string, ...string[]];
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', NODE_PATH: process.env['NODE_PATH'] ?? '' };
    const child =
      bin === 'etcd'
        ? spawn('etcd', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, ETCD_UNSUPPORTED_ARCH: process.arch === 'arm64' ? 'arm64' : '' } })
        : spawn(process.execPath, [FAKE, bin, ...args], { argv0: bin, stdio: ['ignore', 'pipe', 'pipe'], env });
    pod.child = child;
    pod.restartAt = undefined;
    const keep = (d: Buffer): void => void (pod.log = (pod.log + d.toString()).slice(-4000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.events.push({ at: Date.now(), file, component: bin, event: 'start', pid: child.pid });
    child.once('exit', () => {
      this.events.push({ at: Date.now(), file, component: bin, event: pod.stopping ? 'stop' : 'exit', pid: child.pid });
      if (pod.child === child) pod.child = undefined;
      if (!pod.stopping) pod.restartAt = Date.now() + this.backoff;
    });
  }

  private kill(file: string): Promise<void> {
    const pod = this.pods.get(file);
    if (!pod) return Promise.resolve();
    pod.stopping = true;
    const child = pod.child;
    const done = (): void => void (this.pods.get(file) === pod && this.pods.delete(file));
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      done();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const hard = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(hard);
        done();
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}

/**
 * The node as the control-plane commands see it: files, the manifests folder and the processes in /proc. The only
 * place those commands touch the filesystem or the process table; ops take a `NodeHost` so they can be driven over
 * another implementation (a chroot, a recorded node).
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { commitFile, writeFileAtomic } from './fs-atomic.js';

export interface ProcessInfo {
  readonly pid: number;
  readonly argv: readonly string[];
  /** when the process started, ms since the epoch (from /proc/<pid>/stat and /proc/uptime, ±10 ms) */
  readonly startedAt: number;
  /** start time in clock ticks since boot, which with the pid names a process uniquely */
  readonly startTicks: number;
}

export interface FileTimes {
  /** inode change time, ms since the epoch: any write or rename of the file moves it */
  readonly ctimeMs: number;
  readonly mode: number;
}

/** Filesystem and process-table access of the control-plane commands. */
export interface NodeHost {
  /** names in `dir`; [] when it does not exist; other errors are thrown */
  list(dir: string): string[];
  /** the bytes of `path`; throws Node's errno error (ENOENT, EACCES...) */
  read(path: string): Buffer;
  /** undefined when `path` does not exist; throws on any other error */
  times(path: string): FileTimes | undefined;
  isFile(path: string): boolean;
  exists(path: string): boolean;
  /** processes whose command name (argv[0]'s base name) is in `names`, or all when `names` is absent */
  processes(names?: ReadonlySet<string>): ProcessInfo[];
  /** true when `pid` runs and started at `startTicks` (so a reused pid is not taken for it) */
  alive(pid: number, startTicks: number): boolean;
  /** this process's pid and start ticks */
  self(): { pid: number; startTicks: number };
  /** rename(2) and fsync of the target folder: atomic, and durable once it returns */
  move(from: string, to: string): void;
  /** temp file, fsync, rename; an existing file keeps its mode, narrowed to 0600 when `secret` */
  writeAtomic(path: string, data: string | Uint8Array, mode: number, secret?: boolean): void;
  remove(path: string): void;
  mkdir(dir: string, mode: number): void;
}

/** USER_HZ: /proc counts process start times in these ticks per second; fixed at 100 for user space on Linux. */
const USER_HZ = 100;

/** Start ticks of a process from /proc/<pid>/stat (field 22, after the parenthesised command name). */
function startTicksOf(pid: number | 'self'): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const t = Number(fields[19]);
    return Number.isFinite(t) ? t : undefined;
  } catch {
    return undefined;
  }
}

/** The real node: node:fs and Linux's /proc. */
export function realNodeHost(): NodeHost {
  return {
    list(dir) {
      try {
        return readdirSync(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
    },
    read: (path) => readFileSync(path),
    times(path) {
      try {
        const st = statSync(path);
        return { ctimeMs: st.ctimeMs, mode: st.mode & 0o7777 };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    isFile(path) {
      try {
        return lstatSync(path).isFile() || statSync(path).isFile();
      } catch {
        return false;
      }
    },
    exists(path) {
      try {
        lstatSync(path);
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw err;
      }
    },
    processes(names) {
      let uptime: number;
      try {
        uptime = Number(readFileSync('/proc/uptime', 'latin1').split(' ')[0]);
      } catch {
        return [];
      }
      const now = Date.now();
      const out: ProcessInfo[] = [];
      for (const name of readdirSync('/proc')) {
        if (!/^\d+$/.test(name)) continue;
        const pid = Number(name);
        let raw: string;
        try {
          raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        } catch {
          continue;
        }
        if (raw === '') continue;
        const argv0 = raw.slice(0, raw.indexOf('\0') >>> 0);
        if (names && !names.has(argv0.slice(argv0.lastIndexOf('/') + 1))) continue;
        const ticks = startTicksOf(pid);
        if (ticks === undefined) continue;
        const argv = raw.replace(/\0$/, '').split('\0');
        out.push({ pid, argv, startTicks: ticks, startedAt: Math.round(now - (uptime - ticks / USER_HZ) * 1000) });
      }
      return out;
    },
    alive(pid, startTicks) {
      return startTicksOf(pid) === startTicks;
    },
    self: () => ({ pid: process.pid, startTicks: startTicksOf('self') ?? 0 }),
    move(from, to) {
      commitFile(from, to);
    },
    writeAtomic(path, data, mode, secret) {
      writeFileAtomic(path, data, { mode, secret: secret === true });
    },
    remove(path) {
      try {
        unlinkSync(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    },
    mkdir(dir, mode) {
      mkdirSync(dir, { recursive: true, mode });
    },
  };
}

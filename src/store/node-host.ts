/**
 * The node as the control-plane commands see it: files, the manifests folder and the processes in /proc. The only
 * place those commands touch the filesystem or the process table; ops take a `NodeHost` so they can be driven over
 * another implementation (a chroot, a recorded node).
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, closeSync, constants, fstatSync, openSync, readlinkSync, readSync, realpathSync } from 'node:fs';
import { commitFile, writeFileAtomic } from './fs-atomic.js';
import { inRoot, realPath } from './rootfs.js';

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
  /** owner's user id */
  readonly uid: number;
}

/** What lstat(2) says of a path (symbolic links not followed). */
export interface EntryStat {
  readonly uid: number;
  /** permission bits with setuid/setgid/sticky (mode & 0o7777) */
  readonly mode: number;
  readonly dev: number;
  readonly ino: number;
  readonly isLink: boolean;
  readonly isDir: boolean;
}

/** The size bound of every file the node commands read (manifests, certificates, kubeconfigs, the journal): 1 MiB, as the PKI readers. */
export const MAX_NODE_FILE_BYTES = 1 << 20;

/**
 * The bytes of the regular file at `path` (a symbolic link is followed, as the kubelet follows it), at most `max`
 * bytes. Opened with O_NONBLOCK and checked with fstat before any read, so a FIFO or a device (a manifest named
 * `x` that is a FIFO, a --tls-cert-file of /dev/zero) is refused at once instead of blocking or reading forever.
 * Throws Node's errno error (ENOENT, EACCES...) from open, or an Error with code `ENOTREG` (not a regular file; its
 * `what` says what it is: "a FIFO", "a device"...) or `EFBIG` (larger than `max`) whose message names the path.
 * With `scratch`, the bytes are read into scratch.buf when it has room (a bigger buffer replaces it otherwise) and
 * the view returned is valid only until the next call with the same scratch: a reader of thousands of files (fleet
 * report) then allocates one buffer instead of one per file.
 */
export function readRegularFile(path: string, max = MAX_NODE_FILE_BYTES, scratch?: { buf?: Buffer }): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      const what = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'a special file';
      throw Object.assign(new Error(`"${path}" is ${what}, not a regular file`), { code: 'ENOTREG', what });
    }
    const tooBig = (): Error => Object.assign(new Error(`"${path}" is larger than ${max >= 1 << 20 ? `${max / (1 << 20)} MiB` : `${max} bytes`}`), { code: 'EFBIG' });
    if (st.size > max) throw tooBig();
    // read to the end, up to one byte past the bound: the file may have grown since fstat. The buffer starts at the
    // size fstat saw (plus room to notice growth) and doubles only for a file that grows, so many small reads (a
    // fleet of 10,000 reports) do not each allocate the bound.
    const want = Math.min(max, st.size) + 4096 + 1;
    let buf = scratch?.buf !== undefined && scratch.buf.length >= want ? scratch.buf : Buffer.allocUnsafe(want);
    let len = 0;
    for (;;) {
      const asked = buf.length - len;
      const n = readSync(fd, buf, len, asked, null);
      if (n === 0) break;
      len += n;
      if (len > max) throw tooBig();
      // a short read that reaches the size fstat saw is the end of a regular file (read(2)), so the read that would
      // return 0 is not made: one system call fewer per file. A size of 0 (files of /proc) proves nothing: read on.
      if (n < asked && st.size > 0 && len >= st.size) break;
      if (len === buf.length) {
        const grown = Buffer.allocUnsafe(Math.min(max + 1, buf.length * 2));
        buf.copy(grown, 0, 0, len);
        buf = grown;
      }
    }
    if (scratch !== undefined) scratch.buf = buf;
    // never from Node's shared pool (it serves only allocations below 4 KiB): the view holds just this buffer
    return buf.subarray(0, len);
  } finally {
    closeSync(fd);
  }
}

/** Filesystem and process-table access of the control-plane commands. */
export interface NodeHost {
  /** names in `dir`; [] when it does not exist; other errors are thrown */
  list(dir: string): string[];
  /** the bytes of the regular file `path`, at most 1 MiB, never blocking on a FIFO or device (see readRegularFile) */
  read(path: string): Buffer;
  /** the regular files (a link to one counts) in `dir` whose names do not start with "."; what the kubelet reads */
  regularFiles(dir: string): string[];
  /** `path` with every symbolic link resolved; throws Node's errno error */
  realpath(path: string): string;
  /** undefined when `path` does not exist; throws on any other error */
  times(path: string): FileTimes | undefined;
  /** lstat(2) of `path` as written (a link is not followed); undefined when it does not exist; throws on any other error */
  entry(path: string): EntryStat | undefined;
  /** readlink(2): the target of the symbolic link `path`; throws Node's errno error */
  readlink(path: string): string;
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
  /**
   * temp file, fsync, rename; an existing file keeps its mode and owner, except when `secret` (it holds a private
   * key): then it ends owned by the running user, 0600 at most
   */
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
    // under --rootfs links resolve inside the root (inRoot); without it the kernel follows them
    read: (path) => readRegularFile(inRoot(path)),
    regularFiles(dir) {
      return this.list(dir).filter((n) => {
        if (n.startsWith('.')) return false;
        try {
          // stat follows a link, as the kubelet's os.Stat does; directories, FIFOs, devices and sockets are skipped
          return statSync(inRoot(`${dir}/${n}`)).isFile();
        } catch {
          return false;
        }
      });
    },
    realpath: (path) => realPath(path),
    times(path) {
      try {
        const st = statSync(inRoot(path));
        return { ctimeMs: st.ctimeMs, mode: st.mode & 0o7777, uid: st.uid };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    entry(path) {
      try {
        const st = lstatSync(path);
        return { uid: st.uid, mode: st.mode & 0o7777, dev: st.dev, ino: st.ino, isLink: st.isSymbolicLink(), isDir: st.isDirectory() };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    readlink: (path) => readlinkSync(path),
    isFile(path) {
      try {
        return lstatSync(path).isFile() || statSync(inRoot(path)).isFile();
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

/**
 * The `Fs` port the core reads and plans writes through. `Workspace` is the disk implementation (writes staged,
 * committed once through the journal); `MemoryFs` is an in-memory one for tests and dry planning.
 */

/** Reads files: `read` throws (with Go's wording) when a file cannot be read; `exists` throws only when unsure. */
export interface FileReader {
  exists(path: string): boolean;
  read(path: string): string;
}

/** Plans writes: `write` keeps a replaced file's mode and owner; `writeKey` writes a private key (0600). */
export interface FileWriter {
  write(path: string, data: string, mode: number, dirMode?: number): void;
  writeKey(path: string, pem: string, dirMode?: number): void;
}

/** A file tree the core reads and writes. */
export interface Fs extends FileReader, FileWriter {}

/** An in-memory `Fs`: a map of path → text and mode. A missing file reads as Go's "no such file or directory". */
export class MemoryFs implements Fs {
  readonly files = new Map<string, { data: string; mode: number }>();
  constructor(initial: Record<string, string> = {}) {
    for (const [path, data] of Object.entries(initial)) this.files.set(path, { data, mode: 0o600 });
  }
  exists(path: string): boolean {
    return this.files.has(path);
  }
  read(path: string): string {
    const f = this.files.get(path);
    if (!f) throw Object.assign(new Error(`open ${path}: no such file or directory`), { code: 'ENOENT' });
    return f.data;
  }
  write(path: string, data: string, mode: number): void {
    this.files.set(path, { data, mode });
  }
  writeKey(path: string, pem: string): void {
    this.files.set(path, { data: pem, mode: 0o600 });
  }
}

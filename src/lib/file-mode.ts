/**
 * Who besides the owner may write a file or folder with permission bits `mode`: "its group", "others" or "its
 * group and others"; undefined when only the owner may.
 */
export function writableByWhom(mode: number): string | undefined {
  const group = (mode & 0o020) !== 0;
  const others = (mode & 0o002) !== 0;
  return group && others ? 'its group and others' : group ? 'its group' : others ? 'others' : undefined;
}

/** `mode`'s permission bits as four octal digits (e.g. "0755"). */
export function octalMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

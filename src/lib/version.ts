/** The package version and commit, injected at build time (scripts/build.mjs; the version also by vitest in tests). */
declare const __KUBECERTS_VERSION__: string;
declare const __KUBECERTS_COMMIT__: string | undefined;
export const VERSION: string = __KUBECERTS_VERSION__;
/** Short git commit of the build ("-dirty" with uncommitted changes), or "unknown" when built outside git. */
export const COMMIT: string = typeof __KUBECERTS_COMMIT__ === 'string' ? __KUBECERTS_COMMIT__ : 'unknown';

/**
 * The `--version` text: the bare version on the first line, as scripts read it (`kubecerts --version | head -n1`),
 * then `commit: <hash>` and `node: <nodeVersion>`: the running Node.js's process.version, which the entry points pass
 * in (the embedded one in the single executable).
 */
export function versionText(nodeVersion: string): string {
  return `${VERSION}\ncommit: ${COMMIT}\nnode: ${nodeVersion}\n`;
}

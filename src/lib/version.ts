/** The package version, injected from package.json at build time (and by vitest in tests). */
declare const __KUBECERTS_VERSION__: string;
export const VERSION: string = __KUBECERTS_VERSION__;

// `npm run build:sea`: the single executable dist/kubecerts (Node.js single executable application). It is the
// local node binary (process.execPath: nothing is downloaded) with dist/kubecerts.cjs, the self-contained bundle,
// injected as its main script by postject, plus a V8 code cache of that script made by the same Node.js.
// Also writes dist/kubecerts.sha256 for the download check. Run after scripts/build.mjs.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);
const { inject } = require('postject');

const config = 'dist/sea-config.json';
const blob = 'dist/kubecerts.blob';
const exe = 'dist/kubecerts';
writeFileSync(config, JSON.stringify({ main: 'dist/kubecerts.cjs', output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }));
execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'inherit' });
rmSync(exe, { force: true });
copyFileSync(process.execPath, exe);
chmodSync(exe, 0o755);
// the fuse string Node.js checks to know a blob was injected (Node.js docs, "Single executable applications")
await inject(exe, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2' });
rmSync(config);
rmSync(blob);
const sum = createHash('sha256').update(readFileSync(exe)).digest('hex');
writeFileSync('dist/kubecerts.sha256', `${sum}  kubecerts\n`);
const version = execFileSync(resolve(exe), ['--version'], { encoding: 'utf8', cwd: '/' });
console.log(`dist/kubecerts: ${(statSync(exe).size / 1048576).toFixed(1)} MiB, sha256 ${sum}\n${version.trimEnd()}`);

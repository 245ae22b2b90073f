// `npm run build:sea`: the single executable dist/kubecerts (Node.js single executable application). It is the
// local node binary (process.execPath: nothing is downloaded) with dist/kubecerts.cjs, the self-contained bundle,
// injected as its main script by postject, plus a V8 code cache of that script made by the same Node.js.
// Also writes dist/kubecerts.sha256 for the download check and dist/kubecerts.source, the SHA-256 of the bundle
// it embeds. Run after scripts/build.mjs. Every file is made under a
// name of its own and renamed into place, so two builds at once (e.g. two test files) do not mix their files.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);
const { inject } = require('postject');

const config = `dist/sea-config.${process.pid}.json`;
const blob = `dist/kubecerts.${process.pid}.blob`;
const exe = 'dist/kubecerts';
const tmp = `${exe}.${process.pid}.tmp`;
const script = readFileSync('dist/kubecerts.cjs');
writeFileSync(config, JSON.stringify({ main: 'dist/kubecerts.cjs', output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }));
execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'inherit' });
copyFileSync(process.execPath, tmp);
chmodSync(tmp, 0o755);
// the fuse string Node.js checks to know a blob was injected (Node.js docs, "Single executable applications")
await inject(tmp, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2' });
rmSync(config);
rmSync(blob);
const sum = createHash('sha256').update(readFileSync(tmp)).digest('hex');
writeFileSync(`${tmp}.sha256`, `${sum}  kubecerts\n`);
writeFileSync(`${tmp}.source`, `${createHash('sha256').update(script).digest('hex')}\n`);
renameSync(tmp, exe);
renameSync(`${tmp}.sha256`, `${exe}.sha256`);
renameSync(`${tmp}.source`, `${exe}.source`);
const version = execFileSync(resolve(exe), ['--version'], { encoding: 'utf8', cwd: '/' });
console.log(`dist/kubecerts: ${(statSync(exe).size / 1048576).toFixed(1)} MiB, sha256 ${sum}\n${version.trimEnd()}`);

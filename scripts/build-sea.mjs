// `npm run build:sea`: the single executable dist/kubecerts (Node.js single executable application). It is the
// local node binary (process.execPath: nothing is downloaded) with a blob injected by postject: the main script
// dist/sea.cjs and, as assets, dist/main.cjs, its V8 code cache (made by this same Node.js in scripts/build.mjs),
// and the library bundles (dist/x509.cjs, table.cjs, yaml.cjs, etcd3.cjs), so no file outside the executable is read. Also writes dist/kubecerts.sha256 for
// the download check and dist/kubecerts.source, the SHA-256 of what it embeds. Run after scripts/build.mjs. Every
// file is made under a name of its own and renamed into place, so two builds at once (e.g. two test files) do not mix
// their files.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);
const { inject } = require('postject');

const config = `dist/sea-config.${process.pid}.json`;
const blob = `dist/kubecerts.${process.pid}.blob`;
const exe = 'dist/kubecerts';
const tmp = `${exe}.${process.pid}.tmp`;
const cache = readdirSync('dist').find((f) => f.startsWith('main.cjs.') && f.endsWith(`.${process.version}-${process.arch}.cache`));
if (!cache) throw new Error(`dist/ has no code cache of main.cjs for Node.js ${process.version}: run scripts/build.mjs first`);
const assets = { 'main.cjs': 'dist/main.cjs', 'main.cjs.cache': `dist/${cache}`, 'x509.cjs': 'dist/x509.cjs', 'table.cjs': 'dist/table.cjs', 'yaml.cjs': 'dist/yaml.cjs', 'etcd3.cjs': 'dist/etcd3.cjs' };
const embedded = createHash('sha256');
for (const f of ['dist/sea.cjs', ...Object.values(assets)]) embedded.update(readFileSync(f));
writeFileSync(config, JSON.stringify({ main: 'dist/sea.cjs', output: blob, disableExperimentalSEAWarning: true, useCodeCache: true, assets }));
execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'inherit' });
copyFileSync(process.execPath, tmp);
chmodSync(tmp, 0o755);
// the fuse string Node.js checks to know a blob was injected (Node.js docs, "Single executable applications")
await inject(tmp, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2' });
rmSync(config);
rmSync(blob);
const sum = createHash('sha256').update(readFileSync(tmp)).digest('hex');
writeFileSync(`${tmp}.sha256`, `${sum}  kubecerts\n`);
writeFileSync(`${tmp}.source`, `${embedded.digest('hex')}\n`);
renameSync(tmp, exe);
renameSync(`${tmp}.sha256`, `${exe}.sha256`);
renameSync(`${tmp}.source`, `${exe}.source`);
const version = execFileSync(resolve(exe), ['--version'], { encoding: 'utf8', cwd: '/' });
console.log(`dist/kubecerts: ${(statSync(exe).size / 1048576).toFixed(1)} MiB, sha256 ${sum}\n${version.trimEnd()}`);

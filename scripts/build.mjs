// Two CommonJS bundles (no ES-module loader at start-up, measurably faster here):
// - dist/bin.cjs: a tiny entry that answers --version without loading anything else;
// - dist/main.cjs: the CLI with commander and js-yaml. Each command's code is initialised only when the command
//   runs, and the large libraries only some commands use (@peculiar/x509, cli-table3, yaml) stay external, loaded from
//   node_modules by the commands that sign or draw tables.
// Then a V8 code cache for main.cjs (dist/main.cjs.cache), taken after a warm-up check-expiration on a scratch
// PKI so it holds the functions that command compiles. bin.cjs uses it when V8 accepts it.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Script } from 'node:vm';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: process.env.KUBECERTS_BUILD_MINIFY !== '0',
  legalComments: 'none',
  logLevel: 'warning',
  define: { __KUBECERTS_VERSION__: JSON.stringify(version) },
};

rmSync('dist', { recursive: true, force: true });
await build({ ...common, entryPoints: ['src/main.ts'], outfile: 'dist/main.cjs', external: ['@peculiar/x509', 'reflect-metadata', 'cli-table3', 'yaml'] });
await build({ ...common, entryPoints: ['src/bin.ts'], outfile: 'dist/bin.cjs', external: ['./main.cjs'] });
chmodSync('dist/bin.cjs', 0o755);

const scratch = mkdtempSync(join(tmpdir(), 'kubecerts-build-'));
try {
  execFileSync(process.execPath, ['dist/bin.cjs', 'init', '--cert-dir', join(scratch, 'pki'), '--kubeconfig-dir', scratch, '--apiserver-advertise-address', '127.0.0.1', '--node-name', 'build', '--encryption-algorithm', 'ECDSA-P256'], { stdio: 'ignore' });
  const file = resolve('dist/main.cjs');
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file });
  const mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
  const quiet = { write: () => true };
  await mod.exports.run(['certs', 'check-expiration', '--cert-dir', join(scratch, 'pki'), '--kubeconfig-dir', scratch], { stdout: quiet, stderr: quiet, env: {}, now: () => new Date() });
  writeFileSync(`${file}.cache`, script.createCachedData());
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

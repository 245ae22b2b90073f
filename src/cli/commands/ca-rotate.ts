/** `ca rotate <phase>`: read options, run the phase (ops/rotate-ca/run.ts), render (output/rotate-ca-run-text.ts). */
import { ExitCode, ExitRequest } from '../../errors.js';
import { restartComponents } from '../../ops/control-plane-restart.js';
import { KUBECTL_TIMEOUT_MS, runRotation } from '../../ops/rotate-ca/run.js';
import { renderRotateEvent, renderRotateReport, type StreamText } from '../../output/rotate-ca-run-text.js';
import { reserveNewFile, writeFileAtomic } from '../../store/fs-atomic.js';
import { readRegularFile, realNodeHost } from '../../store/node-host.js';
import { runGroupSync } from '../../store/process-group.js';
import { caRotateOptions } from '../ca-rotate-options.js';
import { rotationNoticeLine } from '../../output/write-text.js';
import { clockOf, type Io } from '../io.js';
import { holdingDirOf, msFlag, stepLines, type Opts } from './node-common.js';

export { ROTATE_PHASES } from '../../ops/rotate-ca/run.js';

export default async function caRotate(args: unknown[], opts: Opts, io: Io): Promise<void> {
  const o = caRotateOptions(args, opts, io.env);
  const write = (t: StreamText): void => {
    if (t.stdout) io.stdout.write(t.stdout);
    if (t.stderr) io.stderr.write(t.stderr);
  };
  const report = await runRotation(o, {
    host: realNodeHost(), now: io.now(), notice: (e) => io.stderr.write(`${rotationNoticeLine(e)}\n`), onEvent: (e) => write(renderRotateEvent(e)),
    // --timeout is read only when a restart runs
    restart: (names) => restartComponents(names, {
      host: realNodeHost(), manifestsDir: o.paths.manifestsDir, holdingDir: holdingDirOf(opts),
      timeoutMs: msFlag(opts, 'timeout', '--timeout', 90_000), probeTimeoutMs: 2000, now: () => io.now(), sleep: (ms) => clockOf(io).sleep(ms),
      onStep: stepLines(io),
    }),
    kubectl: (a) => runGroupSync('kubectl', a, KUBECTL_TIMEOUT_MS),
    readFile: (path, max) => readRegularFile(path, max),
    writeSecretFile: (path, data) => writeFileAtomic(path, data, { mode: 0o600, secret: true }),
    reserveFile: reserveNewFile,
  });
  write(renderRotateReport(report));
  if (report.failed) throw new ExitRequest(ExitCode.failed);
}

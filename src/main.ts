/** run(argv, io) → exit code. The only place that maps errors to exit codes. */
import { CommanderError, type Command } from 'commander';
import { createProgram } from './cli/program.js';
import { checkRootfs, extractGlobalFlags, setGlobalFlags } from './cli/global-flags.js';
import { processIo, type Io } from './cli/io.js';
import { invalidUtf8Argument } from './cli/usage-errors.js';
import { ExitCode, ExitRequest, KubecertsError } from './errors.js';
import { escapeControls } from './output/control-plane-text.js';

/**
 * A message as one line of stderr: line breaks folded to a space, then every control character left (a file name,
 * a certificate subject or a report value quoted in the message) escaped, so no message can forge lines or drive
 * the terminal.
 */
const oneLine = (s: string): string => escapeControls(s.replace(/\s*\n\s*/g, ' ').trim());

export async function run(argv: readonly string[], io: Io): Promise<number> {
  let debug = Boolean(io.env['KUBECERTS_DEBUG']);
  try {
    // before anything runs: an argument Node could not decode as UTF-8 (it holds U+FFFD) is refused, never used
    const notUtf8 = argv.findIndex((a) => a.includes('\uFFFD'));
    if (notUtf8 >= 0) throw invalidUtf8Argument(argv, notUtf8, valueFlags(createProgram(io)));
    const { flags, rest } = extractGlobalFlags(argv);
    setGlobalFlags(flags);
    checkRootfs(flags);
    // kubeadm prints stack traces from --v=5 up
    if (flags.verbosity >= 5) debug = true;
    const program = createProgram(io, rest[0]);
    // kubeadm prints its help for a bare `kubeadm` and for `kubeadm help`, and exits 0
    if (rest.length === 0 || (rest.length === 1 && rest[0] === 'help')) {
      io.stdout.write(program.helpInformation());
      return ExitCode.ok;
    }
    await program.parseAsync(rest, { from: 'user' });
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof ExitRequest) return err.exitCode;
    if (err instanceof CommanderError) {
      // help and --version succeed; everything else commander rejects (including a bare group command) is usage
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof KubecertsError) {
      io.stderr.write(`error: ${oneLine(err.message)}\n`);
      if (err.hint) io.stderr.write(`hint: ${oneLine(err.hint)}\n`);
      if (debug) io.stderr.write(`${err.stack ?? ''}\n`);
      return err.exitCode;
    }
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`error: unexpected failure: ${oneLine(message)}\n`);
    if (debug) io.stderr.write(`${err instanceof Error ? err.stack : ''}\n`);
    else io.stderr.write('hint: re-run with --v=5 (or KUBECERTS_DEBUG=1) for details\n');
    return ExitCode.failed;
  }
}

/** A test for the flags (`--client-name`, `-o`) that take a value in any command of `program`. */
function valueFlags(program: Command): (flag: string) => boolean {
  const flags = new Set<string>();
  const walk = (cmd: Command): void => {
    for (const o of cmd.options) {
      if (!o.required && !o.optional) continue;
      if (o.long) flags.add(o.long);
      if (o.short) flags.add(o.short);
    }
    for (const c of cmd.commands) walk(c);
  };
  walk(program);
  return (flag) => flags.has(flag);
}

/** Runs the CLI as the process: real streams and clock, exit code on process.exitCode. */
export async function runProcess(argv: readonly string[]): Promise<void> {
  try {
    process.exitCode = await run(argv, processIo());
  } catch (err) {
    process.stderr.write(`error: unexpected failure: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = ExitCode.failed;
  }
}

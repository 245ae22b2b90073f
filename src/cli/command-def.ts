/**
 * A command as data: name, description, arguments, options, help footer and the module that runs it. The
 * registration files (node, agent and fleet, ca rotate) list commands this way instead of repeating commander's
 * builder calls.
 */
import { Command, type Argument, type Option } from 'commander';
import { UsageError } from '../errors.js';
import { helpFooter } from './help.js';
import type { Io } from './io.js';

type Action = (...args: unknown[]) => Promise<void>;
type Loader = () => Promise<{ default: (args: unknown[], opts: Record<string, unknown>, io: Io) => Promise<void> }>;
/** Wraps a command module's loader into a commander action (program.ts's error and Io handling). */
export type RunCommand = (load: Loader) => Action;

export interface CommandDef {
  readonly name: string;
  readonly description: string;
  readonly args?: readonly Argument[];
  /** in help order */
  readonly options?: readonly Option[];
  /** the help footer's examples, and the exit codes it lists (default 0, 1, 2) */
  readonly examples: readonly string[];
  readonly exitCodes?: readonly (number | readonly [number, string])[];
  /** the command module (loaded only when the command runs) */
  readonly load: Loader;
}

/** The commander Command for `d`, its action running `d.load` through `run`. */
export function defineCommand(d: CommandDef, run: RunCommand): Command {
  const cmd = new Command(d.name).description(d.description);
  for (const a of d.args ?? []) cmd.addArgument(a);
  for (const o of d.options ?? []) cmd.addOption(o);
  return cmd.addHelpText('after', helpFooter(d.examples, d.exitCodes)).action(run(d.load));
}

/** A command group: description and help footer. */
export function defineGroup(name: string, description: string, examples: readonly string[], exitCodes?: readonly (number | readonly [number, string])[]): Command {
  return new Command(name).description(description).addHelpText('after', helpFooter(examples, exitCodes));
}

/** For a group's own action: a usage error naming the first extra word as cobra's "unknown command". */
export function refuseExtra(args: unknown[], path: string): void {
  const extra = (args[args.length - 1] as Command).args;
  if (extra.length > 0) throw new UsageError(`unknown command "${extra[0]}" for "${path}"`);
}

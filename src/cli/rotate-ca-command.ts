/** Registers `ca rotate <phase>` (CA rotation); kept apart so program.ts only calls registerRotateCa. */
import { Argument, Command, Option } from 'commander';
import { UsageError } from '../errors.js';
import { helpFooter } from './help.js';
import type { RunCommand } from './node-commands.js';
import { certDirOption, dryRunOption, kubeconfigDirOption, parseList } from './options.js';

const PHASES = ['plan', 'prepare', 'trust', 'reissue', 'finalize', 'status', 'rollback', 'purge'];

/** Adds the `ca` group with `rotate`; returns the group (for the program's group settings). */
export function registerRotateCa(program: Command, run: RunCommand): Command {
  const ca = new Command('ca')
    .description('certificate authority commands: rotate')
    .addHelpText('after', helpFooter(['kubecerts ca rotate plan', 'kubecerts ca rotate status']));
  program.addCommand(ca);
  ca.action((...args: unknown[]) => {
    const extra = (args[args.length - 1] as Command).args;
    if (extra.length > 0) throw new UsageError(`unknown command "${extra[0]}" for "kubecerts ca"`);
    process.stdout.write(ca.helpInformation());
  });
  ca.addCommand(
    new Command('rotate')
      .description('rotate the cluster CAs and the service-account key in phases: plan, prepare, trust, reissue, finalize (status, rollback, purge)')
      .addArgument(new Argument('<phase>', 'phase to run').choices(PHASES))
      .addOption(certDirOption())
      .addOption(kubeconfigDirOption())
      .addOption(new Option('--state-dir <dir>', 'where the new CAs, the rotation plan and the backups are kept (default: "/var/lib/kubecerts")'))
      .addOption(new Option('--manifests-dir <dir>', 'the kubelet\'s static-pod manifests folder (default: "/etc/kubernetes/manifests")'))
      .addOption(new Option('--kubelet-dir <dir>', 'folder of the kubelet certificates (default: "/var/lib/kubelet/pki")'))
      .addOption(new Option('--only <targets>', 'what to rotate, comma-separated: ca, front-proxy-ca, etcd-ca, sa (default: all present)').argParser(parseList))
      .addOption(new Option('--ca-validity-period <duration>', 'lifetime of the new CAs (prepare) (default: "87600h")'))
      .addOption(new Option('--cross-sign', 'prepare: also have the old CA sign the new one; reissue sends that cross certificate after the kube-apiserver and etcd serving certificates, so clients holding only the old CA still verify them until finalize (default: false)'))
      .addOption(new Option('--export <file>', 'prepare: also write the new CA material as an encrypted archive for the other control-plane nodes (default: none)'))
      .addOption(new Option('--import <file>', 'prepare: take the new CA material from an archive exported on the first node (default: none)'))
      .addOption(new Option('--archive-key <hex>', 'key of the archive, 64 hex digits as `certs certificate-key` prints (default: $KUBECERTS_ARCHIVE_KEY; --export makes one)'))
      .addOption(new Option('--etcd-endpoints <urls>', 'etcd members probed before reissue (trust in effect) and finalize (every node reissued), comma-separated URLs (default: --initial-cluster of the local etcd manifest)').argParser(parseList))
      .addOption(new Option('--probe-timeout <duration>', 'bound of each barrier probe (default: "3s")'))
      .addOption(new Option('--apiserver-endpoint <url>', 'kube-apiserver probed before reissue (authenticates a client of the new CA) and finalize (serves a certificate of the new CA), and by status (default: --advertise-address and --secure-port of the local kube-apiserver manifest)'))
      .addOption(new Option('--kubelet-endpoint <url>', 'kubelet probed before reissue and by status (default: "https://127.0.0.1:10250" when the node has kubelet-client-current.pem)'))
      .addOption(new Option('--sa-grace <duration>', 'finalize: time since reissue switched sa.key before the old service-account key may be dropped (default: "24h")'))
      .addOption(new Option('--force', 'go past a live barrier (etcd, kube-apiserver or kubelet probe) that fails or cannot observe; recorded in the state folder. Never skips a check of the files or the --sa-grace period (default: false)'))
      .addOption(new Option('--restart', 'after the commit, restart the static pods one at a time and wait until each serves the current files (default: false)'))
      .addOption(new Option('--holding-dir <dir>', 'where --restart holds manifests (default: "<manifests-dir>/../tmp/kubecerts-held-manifests")'))
      .addOption(new Option('--timeout <duration>', 'bound of each restart wait (default: "90s")'))
      .addOption(new Option('--in-cluster <mode>', 'print the in-cluster steps of the phase, or apply them with kubectl and admin.conf (default: none)').choices(['print', 'apply']))
      .addOption(dryRunOption())
      .addHelpText('after', helpFooter([
        'kubecerts ca rotate plan',
        'kubecerts ca rotate prepare --export /root/rotation.enc',
        'kubecerts ca rotate trust --restart --in-cluster=print',
        'kubecerts ca rotate status',
        'kubecerts ca rotate rollback',
      ], [0, 1, 2, 4]))
      .action(run(() => import('./commands/ca-rotate.js'))),
  );
  return ca;
}

/** Registers `ca rotate <phase>` (CA rotation); kept apart so program.ts only calls registerRotateCa. */
import { Argument, Option, type Command } from 'commander';
import { defineCommand, defineGroup, refuseExtra, type RunCommand } from './command-def.js';
import { certDirOption, dryRunOption, kubeconfigDirOption, parseList } from './options.js';

const PHASES = ['plan', 'prepare', 'trust', 'reissue', 'finalize', 'status', 'rollback', 'purge'];

/** Adds the `ca` group with `rotate`; returns the group (for the program's group settings). */
export function registerRotateCa(program: Command, run: RunCommand): Command {
  const ca = defineGroup('ca', 'certificate authority commands: rotate', ['kubecerts ca rotate plan', 'kubecerts ca rotate status']);
  program.addCommand(ca);
  ca.action((...args: unknown[]) => {
    refuseExtra(args, 'kubecerts ca');
    process.stdout.write(ca.helpInformation());
  });
  ca.addCommand(defineCommand({
    name: 'rotate',
    description: 'rotate the cluster CAs and the service-account key in phases: plan, prepare, trust, reissue, finalize (status, rollback, purge)',
    args: [new Argument('<phase>', 'phase to run').choices(PHASES)],
    options: [
      certDirOption(), kubeconfigDirOption(),
      new Option('--state-dir <dir>', 'where the new CAs, the rotation plan and the backups are kept (default: "/var/lib/kubecerts")'),
      new Option('--manifests-dir <dir>', 'the kubelet\'s static-pod manifests folder (default: "/etc/kubernetes/manifests")'),
      new Option('--kubelet-dir <dir>', 'folder of the kubelet certificates (default: "/var/lib/kubelet/pki")'),
      new Option('--only <targets>', 'what to rotate, comma-separated: ca, front-proxy-ca, etcd-ca, sa (default: all present)').argParser(parseList),
      new Option('--ca-validity-period <duration>', 'lifetime of the new CAs (prepare) (default: "87600h")'),
      new Option('--cross-sign', 'prepare: also have the old CA sign the new one; reissue sends that cross certificate after the kube-apiserver and etcd serving certificates, so clients holding only the old CA still verify them until finalize (default: false)'),
      new Option('--export <file>', 'prepare: also write the new CA material as an encrypted archive for the other control-plane nodes (default: none)'),
      new Option('--import <file>', 'prepare: take the new CA material from an archive exported on the first node (default: none)'),
      new Option('--archive-key <hex>', 'key of the archive, 64 hex digits as `certs certificate-key` prints (default: $KUBECERTS_ARCHIVE_KEY; --export makes one)'),
      new Option('--etcd-endpoints <urls>', 'etcd members probed before reissue (trust in effect) and finalize (every node reissued), comma-separated URLs (default: --initial-cluster of the local etcd manifest)').argParser(parseList),
      new Option('--probe-timeout <duration>', 'bound of each barrier probe (default: "3s")'),
      new Option('--apiserver-endpoint <url>', 'kube-apiserver probed before reissue (authenticates a client of the new CA) and finalize (serves a certificate of the new CA), and by status (default: --advertise-address and --secure-port of the local kube-apiserver manifest)'),
      new Option('--kubelet-endpoint <url>', 'kubelet probed before reissue and by status (default: "https://127.0.0.1:10250" when the node has kubelet-client-current.pem)'),
      new Option('--sa-grace <duration>', 'finalize: time since reissue switched sa.key before the old service-account key may be dropped (default: "24h")'),
      new Option('--force', 'go past a live barrier (etcd, kube-apiserver or kubelet probe) that fails or cannot observe; recorded in the state folder. Never skips a check of the files or the --sa-grace period (default: false)'),
      new Option('--restart', 'after the commit, restart the static pods one at a time and wait until each serves the current files (default: false)'),
      new Option('--holding-dir <dir>', 'where --restart holds manifests (default: "<manifests-dir>/../tmp/kubecerts-held-manifests")'),
      new Option('--timeout <duration>', 'bound of each restart wait (default: "90s")'),
      new Option('--in-cluster <mode>', 'print the in-cluster steps of the phase, or apply them with kubectl and admin.conf (default: none)').choices(['print', 'apply']),
      dryRunOption(),
    ],
    examples: [
      'kubecerts ca rotate plan',
      'kubecerts ca rotate prepare --export /root/rotation.enc',
      'kubecerts ca rotate trust --restart --in-cluster=print',
      'kubecerts ca rotate status',
      'kubecerts ca rotate rollback',
    ],
    exitCodes: [0, 1, 2, 4],
    load: () => import('./commands/ca-rotate.js'),
  }, run));
  return ca;
}

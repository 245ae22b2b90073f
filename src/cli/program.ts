/**
 * createProgram(io): a fresh commander tree per run. Actions import their command module on demand, so
 * `--version` and `check-expiration` never load the X.509 library.
 */
import { Argument, Command, Option } from 'commander';
import { ENCRYPTION_ALGORITHMS } from '../config/types.js';
import { CERT_PHASES, KUBECONFIG_PHASES, RENEW_NAMES } from '../pki/spec-tree.js';
import { versionText } from '../lib/version.js';
import { completeWith } from './complete-values.js';
import { withRootfs } from './global-flags.js';
import { unknownCommand } from './usage-errors.js';
import { helpFooter } from './help.js';
import type { Io } from './io.js';
import { registerAgentCommands } from './agent-commands.js';
import { registerNodeCommands } from './node-commands.js';
import { registerRotateCa } from './rotate-ca-command.js';
import {
  algorithmOption,
  certDirOption,
  clusterKubeconfigOption,
  configOption,
  dryRunOption,
  kubeconfigDirOption,
  kubernetesVersionOption,
  parseList,
  parsePort,
} from './options.js';


type Opts = Record<string, unknown>;


function addCertFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--apiserver-advertise-address <ip>', 'IP address the API server advertises (default: localAPIEndpoint.advertiseAddress, else the first non-loopback address of this host)'))
    .addOption(new Option('--apiserver-cert-extra-sans <sans>', 'extra SANs for the API server certificate, comma-separated IPs or DNS names (default: none)').argParser(parseList))
    .addOption(new Option('--control-plane-endpoint <host[:port]>', 'stable address of the control plane (default: controlPlaneEndpoint, else none)'))
    .addOption(new Option('--service-cidr <cidr>', 'service subnet; its first address becomes an API server SAN (default: "10.96.0.0/12")'))
    .addOption(new Option('--service-dns-domain <domain>', 'cluster DNS domain (default: "cluster.local")'));
}

const reissueOption = (): Option =>
  new Option('--reissue', 'when an existing certificate does not cover the requested SANs or has expired, re-sign it with its existing key (old files backed up) instead of failing (default: false)');

function addKubeconfigFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--apiserver-bind-port <port>', 'port the API server listens on (default: 6443)').argParser(parsePort))
    .addOption(kubeconfigDirOption());
}

function addCommonInitFlags(cmd: Command): Command {
  return cmd
    .addOption(certDirOption())
    .addOption(configOption())
    .addOption(new Option('--node-name <name>', 'node name: CN of the etcd certificates and kubelet.conf (default: nodeRegistration.name, else the hostname)'))
    .addOption(algorithmOption())
    .addOption(kubernetesVersionOption())
    .addOption(dryRunOption());
}

/** The top-level commands, with aliases: a run whose first word is one of these builds only that command's tree. */
const TOP_LEVEL: Readonly<Record<string, string>> = {
  init: 'init', certs: 'certs', certificates: 'certs', kubeconfig: 'kubeconfig', 'control-plane': 'control-plane',
  kubelet: 'kubelet', agent: 'agent', fleet: 'fleet', ca: 'ca',
};

/**
 * The commander tree for a run. `first` is the run's first word after the global flags: when it names a top-level
 * command, only that command (and its subcommands) is built, which takes a few milliseconds off every run's
 * start-up; otherwise (help, an unknown command, completion, the man page) the whole tree. Returns the root command.
 */
export function createProgram(io: Io, first?: string): Command {
  const only = first === undefined ? undefined : TOP_LEVEL[first];
  const want = (name: string): boolean => only === undefined || only === name;
  const program = new Command('kubecerts')
    .description('kubeadm-compatible certificate management for Kubernetes control planes')
    .version(versionText(process.version).trimEnd(), '--version', 'print the version, the commit and the Node.js version')
    .helpOption('-h, --help', 'show help')
    // parsed by main before commander sees the command line, so they work anywhere on it, as in kubeadm
    .addOption(new Option('--rootfs <dir>', "the host's root filesystem: every file path is resolved inside it, as kubeadm chroots into it (default: none)"))
    .addOption(new Option('-v, --v <level>', 'log verbosity, as kubeadm; 5 or more prints stack traces with errors (default: 0)'))
    .showSuggestionAfterError(true)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .addHelpText('after', helpFooter(['kubecerts init --cert-dir ./pki --kubeconfig-dir .', 'kubecerts certs check-expiration --fail-within 30d', 'kubecerts certs renew all'], [0, 1, 2, 3, 4, 5]));

  const run = (load: () => Promise<{ default: (args: unknown[], opts: Opts, io: Io, cmd: Command) => Promise<void> }>) =>
    async (...args: unknown[]): Promise<void> => {
      const cmd = args[args.length - 1] as Command;
      const mod = await load();
      await mod.default(args.slice(0, -2), withRootfs(cmd.opts()), io, cmd);
    };

  // a bare group command prints its help on stdout and succeeds, as kubeadm's (cobra) do; an unknown subcommand is a usage error
  const groupAction = (cmd: Command) => (...args: unknown[]): void => {
    const extra = (args[args.length - 1] as Command).args;
    if (extra.length > 0) throw unknownCommand(String(extra[0]), `kubecerts ${cmd.name()}`);
    io.stdout.write(cmd.helpInformation());
  };

  // init
  let phase: Command | undefined;
  if (want('init')) {
    const init = addCommonInitFlags(addKubeconfigFlags(addCertFlags(new Command('init'))))
      .addOption(reissueOption())
      .description('create the whole control-plane PKI and kubeconfig files, as kubeadm init phase certs all + kubeconfig all')
      .addHelpText('after', helpFooter(['kubecerts init --cert-dir /tmp/k/pki --kubeconfig-dir /tmp/k --apiserver-advertise-address 10.0.0.5', 'kubecerts init --config kubeadm.yaml', 'kubecerts init --encryption-algorithm ECDSA-P256 --dry-run']))
      .enablePositionalOptions()
      .action(run(() => import('./commands/init.js')));
    program.addCommand(init);

    phase = new Command('phase')
      .description('run one phase of init')
      .addHelpText('after', helpFooter(['kubecerts init phase certs all --cert-dir ./pki', 'kubecerts init phase kubeconfig admin --kubeconfig-dir . --cert-dir ./pki']));
    init.addCommand(phase);
    phase.action(groupAction(phase));
    phase.addCommand(
      addCommonInitFlags(addCertFlags(new Command('certs')))
        .addOption(reissueOption())
        .description('create certificate authorities, certificates and the service-account key pair that are missing')
        .addArgument(new Argument('<name>', 'what to create').choices(CERT_PHASES))
        .addHelpText('after', helpFooter(['kubecerts init phase certs all --cert-dir ./pki', 'kubecerts init phase certs apiserver --apiserver-cert-extra-sans api.example.com,10.0.0.100']))
        .action(run(() => import('./commands/init-phase-certs.js'))),
    );
    phase.addCommand(
      addCommonInitFlags(addKubeconfigFlags(new Command('kubeconfig')))
        .addOption(new Option('--apiserver-advertise-address <ip>', 'IP address the API server advertises (default: localAPIEndpoint.advertiseAddress, else the first non-loopback address of this host)'))
        .addOption(new Option('--control-plane-endpoint <host[:port]>', 'stable address of the control plane (default: controlPlaneEndpoint, else none)'))
        .description('create the kubeconfig files that are missing, with client certificates signed by ca')
        .addArgument(new Argument('<name>', 'which kubeconfig').choices(KUBECONFIG_PHASES))
        .addHelpText('after', helpFooter(['kubecerts init phase kubeconfig all --kubeconfig-dir /tmp/k --cert-dir /tmp/k/pki', 'kubecerts init phase kubeconfig admin --control-plane-endpoint api.example.com:6443']))
        .action(run(() => import('./commands/init-phase-kubeconfig.js'))),
    );
  }

  // certs
  let certs: Command | undefined;
  if (want('certs')) {
    certs = new Command('certs')
      .alias('certificates')
      .description('certificate commands: check-expiration, renew, generate-csr, certificate-key')
      .addHelpText('after', helpFooter(['kubecerts certs check-expiration', 'kubecerts certs renew all'], [0, 1, 2, 3, 4]));
    program.addCommand(certs);
    certs.action(groupAction(certs));
    certs.addCommand(
      new Command('check-expiration')
        .description('report when every kubeadm-managed certificate and CA expires')
        .addOption(certDirOption())
        .addOption(configOption())
        .addOption(kubeconfigDirOption())
        .addOption(clusterKubeconfigOption())
        .addOption(completeWith(new Option('-o, --output <format>', 'output format: text, json, yaml, wide, prometheus, jsonpath=TEMPLATE, jsonpath-file=FILE, jsonpath-as-json=TEMPLATE, go-template=TEMPLATE, go-template-file=FILE (default: "text")'), ['text', 'json', 'yaml', 'wide', 'prometheus']))
        .addOption(new Option('--template <template>', 'template string or file for -o jsonpath|go-template(-file) given without =TEMPLATE (default: none)'))
        .addOption(new Option('--allow-missing-template-keys [bool]', 'ignore missing fields and map keys in templates (default: true)').argParser((v: string) => v !== 'false'))
        .addOption(new Option('--show-managed-fields [bool]', 'accepted for kubectl compatibility; the report has no managed fields (default: false)'))
        .addOption(new Option('--fail-within <duration>', 'exit 3 when a certificate or CA expires within this window, e.g. 720h or 30d (default: off)'))
        .addOption(new Option('--include-kubelet', 'also report the kubelet client and serving certificates and kubelet.conf (default: false)'))
        .addOption(new Option('--kubelet-dir <dir>', 'folder of the kubelet certificates (default: "/var/lib/kubelet/pki")'))
        .addOption(new Option('--add-node-info', 'with -o json|yaml: add a "kubecerts" object (nodeName, hostname, checkTime) after kubeadm\'s fields, for `kubecerts fleet report` (default: false)'))
        .addOption(new Option('--output-file <file>', 'write the report to this file atomically (temp file + rename) instead of stdout, e.g. for the node_exporter textfile collector (default: stdout)'))
        .addOption(new Option('--no-color', 'no colour in -o wide even on a terminal (default: colour on a terminal unless NO_COLOR is set)'))
        .addHelpText('after', helpFooter(['kubecerts certs check-expiration', 'kubecerts certs check-expiration -o json', 'kubecerts certs check-expiration --fail-within 30d || alert', 'kubecerts certs check-expiration -o prometheus > /var/lib/node_exporter/kubecerts.prom'], [0, 1, 2, 3]))
        .action(run(() => import('./commands/certs-check-expiration.js'))),
    );
    certs.addCommand(
      new Command('renew')
        .description('renew leaf certificates and kubeconfig client certificates, keeping their subject, SANs and usages')
        .addArgument(completeWith(new Argument('<name>', `certificate to renew: ${RENEW_NAMES.join(', ')}`), RENEW_NAMES))
        .addOption(certDirOption())
        .addOption(configOption())
        .addOption(kubeconfigDirOption())
        .addOption(clusterKubeconfigOption())
        .addOption(new Option('--csr-only', 'write a new key and a CSR built from the existing certificate instead of renewing (default: false)'))
        .addOption(new Option('--csr-dir <dir>', 'where --csr-only writes the new keys and CSRs (default: a new folder "<kubeconfig-dir>/tmp/kubecerts-csr-<time>")'))
        .addOption(new Option('--reuse-key', 'keep the existing private key instead of generating a new one (default: false)'))
        .addOption(new Option('--encryption-algorithm <alg>', 'key algorithm of the new keys (default: encryptionAlgorithm from --config, else the algorithm of each existing certificate)').choices(ENCRYPTION_ALGORITHMS))
        .addOption(new Option('--expiring-within <duration>', 'renew only certificates that expire within this window, e.g. 720h or 30d (default: renew all named)'))
        .addOption(new Option('--no-backup', 'do not copy the old files to a backup folder first (default: back up)'))
        .addOption(new Option('--backup-dir <dir>', 'parent folder of the backups (default: "<kubeconfig-dir>/tmp")'))
        .addOption(new Option('--keep-backups <n>', 'keep only the newest n kubecerts backup folders in the backup folder (default: 5)'))
        .addOption(new Option('--restart', 'after renewing, restart the static pods that use a renewed file, one at a time, and check each serves the new certificate (default: false)'))
        .addOption(new Option('--manifests-dir <dir>', 'the kubelet\'s static-pod manifests folder (default: "/etc/kubernetes/manifests")'))
        .addOption(new Option('--timeout <duration>', 'with --restart: bound of each wait for a stop or a healthy start (default: "90s")'))
        .addOption(new Option('--update-kubeconfig <file>', 'after renewing admin.conf or super-admin.conf, put the new credentials into this copy of them, e.g. $HOME/.kube/config; repeatable (default: none)').argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]))
        .addOption(new Option('-o, --output <format>', 'output format: text (kubeadm\'s lines), or a json/yaml summary (default: "text")').choices(['text', 'json', 'yaml']))
        .addOption(dryRunOption())
        .addHelpText('after', helpFooter(['kubecerts certs renew all', 'kubecerts certs renew apiserver --reuse-key', 'kubecerts certs renew all --expiring-within 30d   # daily cron', 'kubecerts certs renew all --dry-run', 'kubecerts certs renew all --csr-only --csr-dir /tmp/csrs'], [0, 1, 2, 4]))
        .action(run(() => import('./commands/certs-renew.js'))),
    );
    certs.addCommand(
      addKubeconfigFlags(addCertFlags(new Command('generate-csr')))
        .description('write keys and CSRs for every certificate and kubeconfig, for an external CA to sign')
        .addOption(certDirOption())
        .addOption(configOption())
        .addOption(new Option('--node-name <name>', 'node name: CN of the etcd certificates and kubelet.conf (default: nodeRegistration.name, else the hostname)'))
        .addOption(algorithmOption())
        .addHelpText('after', helpFooter(['kubecerts certs generate-csr --cert-dir /tmp/csr/pki --kubeconfig-dir /tmp/csr --config kubeadm.yaml']))
        .action(run(() => import('./commands/certs-generate-csr.js'))),
    );
    certs.addCommand(
      new Command('certificate-key')
        .description('print a new random key for kubeadm init --upload-certs / join --certificate-key')
        .addHelpText('after', helpFooter(['kubecerts certs certificate-key'], [0]))
        .action(run(() => import('./commands/certs-certificate-key.js'))),
    );
  }

  // kubeconfig
  let kubeconfig: Command | undefined;
  if (want('kubeconfig')) {
    kubeconfig = new Command('kubeconfig')
      .description('kubeconfig commands: user, refresh')
      .addHelpText('after', helpFooter(['kubecerts kubeconfig user --client-name alice --org developers > alice.conf']));
    program.addCommand(kubeconfig);
    kubeconfig.action(groupAction(kubeconfig));
    kubeconfig.addCommand(
      new Command('user')
        .description('create a kubeconfig for a user or CI system, signed by the cluster CA; printed to stdout')
        .addOption(new Option('--client-name <name>', 'user name: the certificate CN; repeat for several users (with --out-dir) (default: none; required unless --from-file)').argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]))
        .addOption(new Option('--org <org>', 'organization (group); repeatable or comma-separated (default: none)').argParser(parseList))
        .addOption(new Option('--validity-period <duration>', 'certificate lifetime (default: "8760h0m0s")'))
        .addOption(new Option('--token <token>', 'use this bearer token instead of a client certificate (default: none)'))
        .addOption(configOption())
        .addOption(certDirOption())
        .addOption(kubeconfigDirOption())
        .addOption(new Option('--server <url>', 'API server URL (default: from --config, else from <kubeconfig-dir>/admin.conf)'))
        .addOption(new Option('--cluster-name <name>', 'cluster entry name (default: clusterName from --config, else from admin.conf, else "kubernetes")'))
        .addOption(algorithmOption())
        .addOption(new Option('--out <file>', 'write the kubeconfig to this file (mode 0600) instead of stdout (default: stdout)'))
        .addOption(new Option('--out-dir <dir>', 'write one <name>.conf per user into this folder (mode 0600) (default: none)'))
        .addOption(new Option('--from-file <users.yaml>', 'batch: a YAML list of {name, orgs, validity} entries (needs --out-dir) (default: none)'))
        .addOption(new Option('--force', 'overwrite existing output files (default: false)'))
        .addOption(new Option('--allow-system-masters', 'allow --org system:masters, which bypasses RBAC (default: false)'))
        .addHelpText('after', helpFooter(['kubecerts kubeconfig user --client-name alice --org developers > alice.conf', 'kubecerts kubeconfig user --client-name ci --validity-period 24h --out ci.conf', 'kubecerts kubeconfig user --from-file users.yaml --out-dir ./kubeconfigs']))
        .action(run(() => import('./commands/kubeconfig-user.js'))),
    );
  }

  // kubeconfig refresh is a node command too
  if (want('control-plane') || want('kubelet') || want('kubeconfig')) registerNodeCommands(program, run);
  if (want('agent') || want('fleet')) registerAgentCommands(program, run);
  const ca = want('ca') ? registerRotateCa(program, run) : undefined;

  if (only === undefined) {
    program.addCommand(
      new Command('completion')
        .description('print a shell completion script')
        .addArgument(new Argument('<shell>', 'shell').choices(['bash', 'zsh', 'fish']))
        .addHelpText('after', helpFooter(['kubecerts completion bash > /usr/share/bash-completion/completions/kubecerts', 'kubecerts completion zsh > "${fpath[1]}/_kubecerts"', 'kubecerts completion fish > ~/.config/fish/completions/kubecerts.fish', 'source <(kubecerts completion bash)'], [0, 2]))
        .action(run(() => import('./commands/completion.js'))),
    );
    // what the completion scripts call on every TAB: the candidates for the last word, from this command tree
    const complete = new Command('__complete')
      .description('print completion candidates for the given words')
      .argument('[words...]')
      .allowUnknownOption()
      .action(run(() => import('./commands/complete.js')));
    program.addCommand(complete, { hidden: true });
    complete.helpOption(false); // the words may contain -h (set again after inherit below, which resets it)
  }
  // commands built with `new Command()` do not inherit the root's settings: without this, a bad flag value in a
  // subcommand would call process.exit(1) instead of reaching main's exit-code mapping
  const inherit = (cmd: Command): void => {
    for (const sub of cmd.commands) {
      sub.copyInheritedSettings(cmd);
      inherit(sub);
    }
  };
  inherit(program);
  program.commands.find((c) => c.name() === '__complete')?.helpOption(false); // the words may contain -h
  // after inherit, which would reset it: group commands report an unknown subcommand themselves
  for (const g of [phase, certs, kubeconfig, ca]) g?.allowExcessArguments(true);
  return program;
}

# kubecerts container image: the single executable (dist/kubecerts, Node.js embedded) on a minimal base.
# distroless/cc holds exactly what the executable links: glibc, libstdc++ and libgcc_s (no shell, no package manager).
# Build, on a machine with Docker, from a clone:
#   npm ci && npm run build:sea && docker build -t kubecerts .
# Run against the host's /etc/kubernetes with --rootfs (as kubeadm's --rootfs: every default path is taken below it);
# the README's "Install on a control-plane node" has the commands.
FROM gcr.io/distroless/cc-debian12
COPY dist/kubecerts /usr/local/bin/kubecerts
# root, as kubeadm: the keys under /etc/kubernetes/pki are 0600 root
USER 0:0
ENTRYPOINT ["/usr/local/bin/kubecerts"]
CMD ["--help"]

# syntax=docker/dockerfile:1
# One image for every component: `epc agent`, `epc controller`, `epc webhook`, `epc workload`,
# and the node preflight `epc doctor` (`kubectl debug node/NAME -it --image=IMAGE -- epc doctor --root /host`).
# The entrypoint is the `epc` CLI; pods choose the subcommand through `args`.
#
# Build:  docker build -t sgx-epc-enforcer:dev .
# Run:    docker run --rm sgx-epc-enforcer:dev --help

ARG NODE_VERSION=20

# ---- build: full toolchain, dev dependencies, TypeScript compile ----------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` builds, and the sources are not copied yet.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The test bed (API server double, kubelet emulator, demo: src/testbed) is not part of the product:
# no product module imports it (test/architecture/layers.test.ts), so the image leaves it out.
RUN npm run build && rm -rf dist/testbed
# `epc` as a command (kubectl debug replaces the entrypoint): a symlink to the executable CLI.
RUN chmod 0755 dist/cli/main.js && mkdir -p /out/bin && ln -s /app/dist/cli/main.js /out/bin/epc

# ---- prod-deps: production dependencies only --------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

# ---- runtime: distroless Node 20 (no shell, no package manager), non-root by default ----------
FROM gcr.io/distroless/nodejs${NODE_VERSION}-debian12:nonroot AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    EPC_LOG_LEVEL=info
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The gRPC .proto files (device plugin v1beta1, pod-resources v1) are loaded at run time relative
# to the package root; they are the only sources the image needs.
COPY --from=build /app/src/contracts/proto ./src/contracts/proto
COPY package.json ./
# `epc` on PATH: the symlink (a directory copy keeps it a symlink, so the CLI's relative imports
# resolve under /app/dist) and env for its `#!/usr/bin/env node` line (same Debian 12 glibc).
COPY --from=build /out/bin/ /usr/local/bin/
COPY --from=build /usr/bin/env /usr/bin/env
ENV PATH=/nodejs/bin:/usr/local/bin:/usr/bin:/bin
# 65532 = distroless "nonroot". The webhook, the controller's workload clients (`epc workload`)
# and the simulator run as this user. The node agent is the exception and its DaemonSet sets
# runAsUser: 0 explicitly, because it must
#   - create its gRPC sockets in the kubelet's device-plugin directory
#     (/var/lib/kubelet/device-plugins, root:root 0755) and connect to the root-owned
#     pod-resources socket (/var/lib/kubelet/pod-resources/kubelet.sock, 0600), and
#   - write `misc.max` and `cgroup.subtree_control` in root-owned pod cgroups under
#     /sys/fs/cgroup (hardware mode), or create sockets in the root-owned host dir shared with
#     workload pods (model mode).
# Even there it keeps every capability dropped, no privilege escalation, seccomp RuntimeDefault
# and a read-only root filesystem: file ownership (uid 0) is all it needs.
USER 65532:65532
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/cli/main.js"]
CMD ["--help"]

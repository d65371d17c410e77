# syntax=docker/dockerfile:1.7
# Production image for Sluice: compiled JavaScript on Node 20, with terraform, tofu, helm, kubectl
# and bubblewrap. Multi-arch (linux/amd64, linux/arm64):
#   docker buildx build --platform linux/amd64,linux/arm64 -t sluice .
# Not built on the development machines (no Docker engine there); test/unit/deploy.test.ts lints it.
ARG NODE_VERSION=20.20.2

# Tool versions. Bump a version and the build fetches and verifies the new release; the optional
# *_SHA256_<ARCH> pins make the build fail unless the download has exactly that digest.
ARG TERRAFORM_VERSION=1.11.4
ARG TOFU_VERSION=1.9.1
ARG HELM_VERSION=4.1.4
ARG KUBECTL_VERSION=1.35.0
# Signing keys, by fingerprint: the key fetched at build time must be this one.
# HashiCorp: https://www.hashicorp.com/security ; OpenTofu: https://opentofu.org/docs/intro/install/standalone/
ARG HASHICORP_PGP_FINGERPRINT=C874011F0AB405110D02105534365D9472D7468F
ARG OPENTOFU_PGP_FINGERPRINT=E3E6E43D84CB852EADB0051D0C0AF313E5FD9F80

# ---- build: native modules for the target platform, TypeScript compiled to dist/ ----------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json app.yml ./
COPY src ./src
COPY runners ./runners
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- tools: downloaded on the build machine for the target architecture, each one verified ------
FROM --platform=$BUILDPLATFORM debian:bookworm-slim AS tools
ARG TARGETARCH
ARG TERRAFORM_VERSION
ARG TOFU_VERSION
ARG HELM_VERSION
ARG KUBECTL_VERSION
ARG HASHICORP_PGP_FINGERPRINT
ARG OPENTOFU_PGP_FINGERPRINT
ARG HELM_SHA256_AMD64=""
ARG HELM_SHA256_ARM64=""
ARG KUBECTL_SHA256_AMD64=""
ARG KUBECTL_SHA256_ARM64=""
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl gnupg unzip \
    && rm -rf /var/lib/apt/lists/*
SHELL ["/bin/bash", "-euo", "pipefail", "-c"]
WORKDIR /tmp/tools
# Imports a signing key only if it has the pinned fingerprint, then checks a detached signature.
COPY --chmod=0755 deploy/docker/verify-signed.sh /usr/local/bin/verify-signed
RUN case "${TARGETARCH}" in amd64|arm64) ;; *) echo "unsupported architecture: ${TARGETARCH}" >&2; exit 1 ;; esac \
    && mkdir -p /out

# terraform: the zip against HashiCorp's SHA256SUMS, whose signature must be HashiCorp's key.
RUN base="https://releases.hashicorp.com/terraform/${TERRAFORM_VERSION}" \
    && zip="terraform_${TERRAFORM_VERSION}_linux_${TARGETARCH}.zip" \
    && sums="terraform_${TERRAFORM_VERSION}_SHA256SUMS" \
    && curl -fsSLO --retry 3 "${base}/${zip}" \
    && curl -fsSLO --retry 3 "${base}/${sums}" \
    && curl -fsSLO --retry 3 "${base}/${sums}.sig" \
    && verify-signed https://www.hashicorp.com/.well-known/pgp-key.txt "${HASHICORP_PGP_FINGERPRINT}" "${sums}.sig" "${sums}" \
    && grep " ${zip}\$" "${sums}" | sha256sum -c - \
    && unzip -q "${zip}" terraform -d /out

# tofu: the same, against OpenTofu's SHA256SUMS and its GPG signature.
RUN base="https://github.com/opentofu/opentofu/releases/download/v${TOFU_VERSION}" \
    && zip="tofu_${TOFU_VERSION}_linux_${TARGETARCH}.zip" \
    && sums="tofu_${TOFU_VERSION}_SHA256SUMS" \
    && curl -fsSLO --retry 3 "${base}/${zip}" \
    && curl -fsSLO --retry 3 "${base}/${sums}" \
    && curl -fsSLO --retry 3 "${base}/${sums}.gpgsig" \
    && verify-signed https://get.opentofu.org/opentofu.asc "${OPENTOFU_PGP_FINGERPRINT}" "${sums}.gpgsig" "${sums}" \
    && grep " ${zip}\$" "${sums}" | sha256sum -c - \
    && unzip -q "${zip}" tofu -d /out

# helm and kubectl: their published sha256 (and the pinned digest when one is given).
RUN tgz="helm-v${HELM_VERSION}-linux-${TARGETARCH}.tar.gz" \
    && curl -fsSLO --retry 3 "https://get.helm.sh/${tgz}" \
    && echo "$(curl -fsSL --retry 3 "https://get.helm.sh/${tgz}.sha256sum" | cut -d' ' -f1)  ${tgz}" | sha256sum -c - \
    && pin="HELM_SHA256_${TARGETARCH^^}" && { [ -z "${!pin}" ] || echo "${!pin}  ${tgz}" | sha256sum -c -; } \
    && tar -xzf "${tgz}" --strip-components=1 -C /out "linux-${TARGETARCH}/helm"
RUN url="https://dl.k8s.io/release/v${KUBECTL_VERSION}/bin/linux/${TARGETARCH}/kubectl" \
    && curl -fsSLo /out/kubectl --retry 3 "${url}" \
    && echo "$(curl -fsSL --retry 3 "${url}.sha256")  /out/kubectl" | sha256sum -c - \
    && pin="KUBECTL_SHA256_${TARGETARCH^^}" && { [ -z "${!pin}" ] || echo "${!pin}  /out/kubectl" | sha256sum -c -; } \
    && chmod 0755 /out/*

# ---- runtime ----------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim
# bubblewrap: every tool run starts in a sandbox (docs/sandbox.md). It needs unprivileged user
# namespaces in the container: see docs/sandbox.md for the Docker and Kubernetes settings. prlimit (the
# sandbox's rlimits) comes with util-linux, which every Debian image has. python3 runs the spawner
# that starts every tool (runners/spawner/spawner.py).
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates tini bubblewrap python3 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=tools /out/terraform /out/tofu /out/helm /out/kubectl /usr/local/bin/
# An unprivileged user, and its data dir created and owned before the volume is declared: Docker
# copies this ownership into a new volume, so the non-root process can write it.
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/sluice --create-home sluice \
    && mkdir -p /var/lib/sluice/data \
    && chown -R sluice:sluice /var/lib/sluice \
    && chmod 0750 /var/lib/sluice/data
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json /app/app.yml ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
# dist/ is what `npm run build` (scripts/build.ts) makes: the compiled code and, beside it, every
# non-TypeScript file of src/ and runners/ (templates, assets) that the code reads at run time.
COPY --from=build --chown=root:root /app/dist ./dist
# MALLOC_ARENA_MAX: as `npm start` runs the app (docs/performance.md says what it saves).
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    SLUICE_DATA_DIR=/var/lib/sluice/data \
    PORT=3000 \
    CHECKPOINT_DISABLE=1
USER sluice:sluice
VOLUME ["/var/lib/sluice/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--max-semi-space-size=4", "dist/src/main.js"]

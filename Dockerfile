# qb-bridge gateway image. Build: docker build -t qb-bridge . ; run: see compose.yaml and README "Deploy".
# Two stages: the first has the compiler toolchain and dev dependencies to build; the second holds only
# Node, the production dependencies and the built gateway, and runs as the unprivileged `node` user.
ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 ships prebuilt binaries for Node LTS; the toolchain is here for when one must be compiled.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8787 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist/gateway ./dist/gateway
COPY --from=build /app/deploy/healthcheck.mjs ./deploy/healthcheck.mjs
# DATA_DIR holds the store and secret.key: owned by the service user, closed to everyone else.
RUN mkdir -p /data && chown node:node /data && chmod 700 /data
USER node
VOLUME ["/data"]
EXPOSE 8787
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "deploy/healthcheck.mjs"]
# Secrets (QBO_CLIENT_SECRET, QB_BRIDGE_SECRET_KEY, MIS_DATABASE_URL, …) come from the environment at run
# time (compose env_file, docker run --env-file), never from the image.
ENTRYPOINT ["node", "bin/qb-bridge.js"]
CMD ["serve", "--host", "0.0.0.0"]

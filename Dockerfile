# syntax=docker/dockerfile:1
#
# The zone server as a container image: Node 24 runs the TypeScript sources directly, so the
# only build step is generating the protobuf code (src/protocol/generated/).
#
#   docker build -t zone-server .
#   docker run --rm -p 7777:7777 -p 9464:9464 -e TOKEN_SECRET="$(openssl rand -hex 32)" zone-server
#
# What goes into the build context at all is decided by .dockerignore (an allow-list).

ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: the full install, as `npm ci` does it anywhere; `prepare` generates the protobuf code.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY proto ./proto
RUN npm ci --no-audit --no-fund

# --- prod-deps: production dependencies only. --ignore-scripts because `prepare` needs
# protobufjs-cli, a dev dependency; the generated code comes from the build stage instead.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime: production node_modules, the sources (src/, proto/, the sql/ migrations, the
# package files: exactly the .dockerignore allow-list) and the generated code. Runs as `node`.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=7777 \
    METRICS_HOST=0.0.0.0 \
    METRICS_PORT=9464 \
    LOG_FORMAT=json \
    DATA_DIR=/app/data
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY . .
COPY --from=build /app/src/protocol/generated ./src/protocol/generated
# The embedded SQLite database (used when MYSQL_URL is empty) is the only thing the server writes.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 7777 9464
# /healthz answers 200 while the process is up. No curl in the slim image: Node's own fetch.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.METRICS_PORT || '9464') + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node directly, not npm: SIGTERM from `docker stop` reaches the server, which drains and exits.
CMD ["node", "--max-semi-space-size=2", "--heap-growing-percent=50", "src/main.ts"]

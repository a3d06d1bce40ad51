# SLA Radar: `radar serve` (Slack bot, /healthz, /metrics, POST /predict) in a container.
# Build: docker build -t sla-radar .   Run: docker compose up (compose.yaml: bot + PostgreSQL).
# Every dependency comes from the npm registry or Debian: better-sqlite3 is compiled from source here
# (.prebuild-installrc and --build-from-source) instead of fetching its prebuilt binary from outside the registry.

# ---- builder: full toolchain, dev dependencies, TypeScript build ----
FROM node:20-bookworm AS builder
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .prebuild-installrc ./
# `prepare` (the build) needs the sources: install without scripts first, then build from source.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm rebuild --build-from-source better-sqlite3 \
 && npm rebuild esbuild \
 && npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: slim Debian of the same release (same glibc as the compiled addon), non-root ----
FROM node:20-bookworm-slim AS runtime
# Chart PNGs are rendered with DejaVu (src/charts/fonts.ts); tini reaps and forwards signals.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    RADAR_DB=/data/warehouse.db \
    PORT=3000
WORKDIR /app
COPY --from=builder /app/package.json /app/package-lock.json /app/manifest.yml ./
COPY --from=builder /app/node_modules ./node_modules
COPY --from=builder /app/dist ./dist
COPY --from=builder /app/bin ./bin
COPY --from=builder /app/sql ./sql
COPY --from=builder /app/prompts ./prompts
COPY --from=builder /app/data/sample ./data/sample
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/radar.js"]
CMD ["serve"]

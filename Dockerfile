# Vigil's HTTP engine: `docker build -t vigil .`, or `docker compose up` with EventStoreDB.

# 1. Production dependencies only. The toolchain is for better-sqlite3, in case no prebuilt
#    binary fits this platform; it stays in this stage.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# 2. The runtime: the code belongs to root and is read-only for the unprivileged `node` user,
#    which may write only data/ (where a sqlite: store would live).
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
  VIGIL_HOST=0.0.0.0 \
  VIGIL_PORT=7070
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
RUN mkdir data && chown node:node data
USER node
EXPOSE 7070
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.VIGIL_PORT}/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["npm", "start"]

# Pasokh's image: the TypeScript sources run through tsx's loader (README, "Production install"),
# so there is no compile stage; the first stage installs the production dependencies only, the
# second holds them and the files package.json ships, and runs as the unprivileged `node` user.
#
#   docker build -t pasokh .
#   docker run -p 8080:8080 -e PASOKH_ADMIN_KEY=… -e PASOKH_MEDIA_TOKEN=… pasokh
#   docker run pasokh node bin/pasokh.js engine-server --port 50051 --host 0.0.0.0   # the engine tier
#
# Debian, not Alpine: onnxruntime-node's prebuilt library is linked against glibc.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# No install script is needed at run time (package.json allowScripts declines them all; the CPU
# ONNX runtime ships inside its package), so none runs: nothing is downloaded beyond the registry.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
# A young generation of 64 MB semi-spaces (V8's default is 16): each call's readings allocate fast,
# and with the default the collector ran in the middle of the burst of readings when many callers
# stop talking together (docs/BENCHMARKS.md, issue 17). `npm start` passes the same flag.
ENV NODE_OPTIONS=--max-semi-space-size=64 \
    NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    PASOKH_DATA_DIR=/var/lib/pasokh
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# What package.json's "files" ships, and nothing else (tests, tools, docs stay out).
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY models ./models
COPY grammars ./grammars
COPY proto ./proto
COPY fixtures/faq ./fixtures/faq
# The data dir (embedded database when DATABASE_URL is unset, generated keys, recordings) is the
# only place the service writes besides /tmp (tsx's transform cache); mount a volume there.
RUN mkdir -p /var/lib/pasokh && chown node:node /var/lib/pasokh
USER node
VOLUME ["/var/lib/pasokh"]
# HTTP, the admin API and the media WebSockets; AudioSocket (TCP) when PASOKH_AUDIOSOCKET_PORT is set.
EXPOSE 8080
# Ready, not merely alive: /readyz asks the database and every engine (503 until they answer).
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node directly, not npm start: SIGTERM reaches the service, which finishes and closes (npm would sit in between).
CMD ["node", "bin/pasokh.js", "serve"]

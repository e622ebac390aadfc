# Splitcast production image (multi-stage).
#   build:      all dependencies, `npm run build` (tsc + schema.graphql + the dashboard bundle)
#   production: only the compiled server (dist/src, dist/migrations), the dashboard's static files
#               (dist/dashboard) and production dependencies;
#               no tests, benches, TypeScript sources or dev dependencies; runs as the `node` user.
# With DATABASE_URL set (as in docker-compose.yml) the embedded PostgreSQL is never started.
# `npm install`, not `npm ci`: see STACK.md (the lockfile cannot list other platforms' binaries).
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY migrations ./migrations
COPY web ./web
COPY scripts/build-web.mjs ./scripts/
RUN npm run build

FROM ${NODE_IMAGE} AS production
ENV NODE_ENV=production \
    PORT=4000 \
    DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/migrations ./dist/migrations
COPY --from=build /app/dist/dashboard ./dist/dashboard
# DATA_DIR holds the generated admin key when ADMIN_API_KEY is unset (and the embedded database
# when DATABASE_URL is unset): the only place the server writes.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 4000
# Liveness through the server's own /healthz (the slim image has no curl).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]

# One image for every role: `periscope start`, `periscope proxy`, `periscope ingest`.
# It runs the compiled JavaScript (`pnpm build`: the UI and dist/) with plain Node and only the
# production dependencies: no tsx, no TypeScript at run time.
FROM node:20-bookworm-slim AS base
RUN npm install -g pnpm@10
WORKDIR /app
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
# Fixes applied to dependencies on install (package.json: pnpm.patchedDependencies).
COPY patches patches
COPY contract/package.json contract/
COPY spool/package.json spool/
COPY clickhouse/package.json clickhouse/
COPY proxy/package.json proxy/
COPY ingest/package.json ingest/
COPY control-plane/package.json control-plane/
COPY server/package.json server/
COPY ui/package.json ui/
COPY testkit/package.json testkit/
COPY bench/package.json bench/

FROM base AS build
RUN pnpm install --frozen-lockfile
COPY . .
RUN pnpm build

# The same lockfile without development dependencies: the same node_modules/.pnpm layout, which
# the links in dist/node_modules point into.
FROM base AS deps
RUN pnpm install --frozen-lockfile --prod

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=deps /app/package.json ./
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/dist dist
# Read from the repository layout by the server (see scripts/build-server.ts).
COPY --from=build /app/clickhouse/migrations clickhouse/migrations
COPY --from=build /app/ui/dist ui/dist
ENV PERISCOPE_HOST=0.0.0.0
ENTRYPOINT ["node", "dist/periscope.mjs"]
CMD ["start"]

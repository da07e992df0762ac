# One image for every role: `periscope start`, `periscope proxy`, `periscope ingest`.
FROM node:20-bookworm-slim
RUN npm install -g pnpm@10
WORKDIR /app
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
COPY contract/package.json contract/
COPY spool/package.json spool/
COPY clickhouse/package.json clickhouse/
COPY proxy/package.json proxy/
COPY ingest/package.json ingest/
COPY control-plane/package.json control-plane/
COPY server/package.json server/
COPY ui/package.json ui/
COPY testkit/package.json testkit/
RUN pnpm install --frozen-lockfile
COPY . .
ENV PERISCOPE_HOST=0.0.0.0
ENTRYPOINT ["node", "--import", "tsx", "server/src/cli/main.ts"]
CMD ["start"]

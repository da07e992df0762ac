# One image for every role: `periscope start`, `periscope proxy`, `periscope ingest`.
FROM node:20-bookworm-slim
RUN npm install -g pnpm@10
WORKDIR /app
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
COPY proxy/package.json proxy/
COPY ingest/package.json ingest/
COPY clickhouse/package.json clickhouse/
COPY ui/package.json ui/
COPY testkit/package.json testkit/
RUN pnpm install --frozen-lockfile
COPY . .
ENV PERISCOPE_HOST=0.0.0.0
ENTRYPOINT ["node", "--import", "tsx", "ingest/src/cli/main.ts"]
CMD ["start"]

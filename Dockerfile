# One build stage for the whole workspace, then one small image per service (a target each):
#   docker build --target users-api .   (or: docker compose build)
# Runtime images hold only production dependencies (pnpm deploy), run as the image's `node`
# user, and check their health with node itself (the image has no curl).

FROM node:24-bookworm-slim AS build
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH CI=true TURBO_TELEMETRY_DISABLED=1
# pinned like packageManager in package.json
RUN npm install --global --no-fund --no-audit pnpm@10.34.9
WORKDIR /repo
# manifests first: the dependency layer is rebuilt only when they change
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY packages/core/package.json packages/core/
COPY packages/create-server/package.json packages/create-server/
COPY tests/reliability/package.json tests/reliability/
COPY services/users-api/package.json services/users-api/
COPY servers/users/package.json servers/users/
COPY servers/customer-db/package.json servers/customer-db/
COPY servers/demo/package.json servers/demo/
RUN pnpm install --frozen-lockfile
COPY . .
RUN pnpm exec turbo run build --output-logs=errors-only
# pnpm 10's deploy needs injected workspace packages: set for this command only, so the
# development install keeps its links
RUN for pkg in users-api server-users server-customer-db server-demo; do \
      pnpm --config.inject-workspace-packages=true --filter "@mcp-stack/$pkg" deploy --prod "/out/$pkg"; \
    done

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production LOG_LEVEL=info
# the SQLite volumes mount here; a new named volume takes this folder's owner
RUN mkdir -p /data && chown node:node /data
WORKDIR /app
USER node

FROM runtime AS users-api
COPY --from=build --chown=node:node /out/users-api /app
ENV USERS_API_HOST=0.0.0.0 USERS_API_PORT=8000 USERS_DB_PATH=/data/users.sqlite
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/bin.js"]

FROM runtime AS users
COPY --from=build --chown=node:node /out/server-users /app
ENV MCP_TRANSPORT=http MCP_HOST=0.0.0.0 MCP_PORT=3001
EXPOSE 3001
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3001/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/bin.js"]

FROM runtime AS customer-db
COPY --from=build --chown=node:node /out/server-customer-db /app
ENV MCP_TRANSPORT=http MCP_HOST=0.0.0.0 MCP_PORT=3002 CUSTOMER_DB_PATH=/data/customer-db.sqlite
EXPOSE 3002
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3002/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/bin.js"]

FROM runtime AS demo
COPY --from=build --chown=node:node /out/server-demo /app
ENV MCP_TRANSPORT=http MCP_HOST=0.0.0.0 MCP_PORT=3003
EXPOSE 3003
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3003/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/bin.js"]

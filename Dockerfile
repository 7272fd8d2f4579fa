# Pulse production image. NOT built or run on the project's machines (no Docker daemon there): it
# follows the same commands as the tested path (npm ci, npm run build, node dist/src/main.js; the
# compiled build is issue 13's `npm run build`, which writes the server to dist/ and the page to
# client/dist). Multi-stage: build with dev dependencies, run with production ones only, non-root.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run prisma:generate && npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=4000 HOST=0.0.0.0
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/client/dist ./client/dist
COPY --from=build --chown=node:node /app/prisma ./prisma
USER node
EXPOSE 4000
# /readyz: database and Redis reachable, and 503 from the first moment of a drain (SIGTERM).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM drains (DRAIN_MS), closes sockets with 1012 and exits: give it DRAIN_MS + 15 s
# (compose: stop_grace_period; Kubernetes: terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]

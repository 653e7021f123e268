# The service's image: built in one stage with every dependency, run from another with production dependencies only.

FROM node:26-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: the only two would download the pinned Node (a second Node 26: the image has its own) and
# check esbuild's platform binary, which npm installs anyway.
RUN npm ci --ignore-scripts
COPY scripts/build.mjs scripts/
COPY src src/
COPY plugins plugins/
COPY routes routes/
# The live page's files: the build copies them into dist/, which is all the runtime stage takes.
COPY public public/
# node itself rather than npm run build: the image's Node 26, which runs the service, builds it, whatever
# node_modules/.bin holds (npm puts it first on the path; the pinned Node is there only after install scripts). The
# build starts the service once, on 127.0.0.1, to fill dist/.compile-cache: the runtime stage's Node is the same, so
# every container's first start finds its modules compiled.
RUN node scripts/build.mjs

FROM node:26-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist dist/
# The files stay root's: the service can read its code, not change it.
USER node
EXPOSE 3000
# node's own fetch, as the slim image has no curl or wget; PORT is the container's, as the service's.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health').then((response) => process.exit(response.status === 200 ? 0 : 1), () => process.exit(1))"]
# docker stop sends it, then SIGKILL once its timeout (10 s unless -t says otherwise) is over: give the service more
# than SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS (15 s by default), as compose.yaml's stop_grace_period does.
STOPSIGNAL SIGTERM
# Exec form, so node is PID 1 and receives signals itself. The kernel gives PID 1 no default action for SIGTERM or
# SIGINT, which is fine here: src/server.ts handles both. It starts no child processes, so no zombies to reap and no
# need for an init process (docker run --init).
CMD ["node", "dist/src/server.js"]

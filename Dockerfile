# One image for the three services; the compose file picks the service with `npm start -- <name>`.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages ./packages
COPY services ./services
COPY migrations ./migrations
COPY isa ./isa
COPY scripts ./scripts
COPY tsconfig.json ./
RUN npm ci --omit=dev --no-audit --no-fund
# The side-car's index directory (INDEX_DIR): a named volume mounted here takes this owner and mode.
RUN mkdir -p /var/lib/healthflag/index && chown node:node /var/lib/healthflag/index && chmod 700 /var/lib/healthflag/index
USER node
ENV NODE_ENV=production
ENTRYPOINT ["npm", "start", "--"]

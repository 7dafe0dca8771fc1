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
USER node
ENV NODE_ENV=production
ENTRYPOINT ["npm", "start", "--"]

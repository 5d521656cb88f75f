# Chime in a container: built from this checkout with the README's tools,
# run as a non-root user with its SQLite store on the /data volume.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t chime .
#   docker run -p 3000:3000 -v chime-data:/data \
#     -e CHIME_PUBLIC_URL=http://localhost:3000 chime
#
# deploy/compose.yaml runs two of them on PostgreSQL behind nginx.

FROM rust:1-bookworm AS build
# Node for Trunk's helpers (wasm-opt, terser) from npm; brotli for the
# precompressed widget.
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm brotli \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN ./dev build

FROM debian:bookworm-slim
ARG VERSION=dev
LABEL org.opencontainers.image.title="Chime" \
      org.opencontainers.image.description="Comments and reactions for article pages" \
      org.opencontainers.image.version="${VERSION}"
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin chime \
 && mkdir /data && chown chime /data
# The widget and the moderation view are inside the binary.
COPY --from=build /src/target/release/chime /usr/local/bin/chime
USER chime
VOLUME /data
# Inside the container Chime listens on every interface; the host decides
# what reaches it.
ENV CHIME_ADDR=0.0.0.0:3000 \
    CHIME_DATABASE_URL=sqlite:///data/chime.db
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=6s --start-period=20s CMD ["chime", "healthcheck"]
ENTRYPOINT ["chime"]
CMD ["serve"]

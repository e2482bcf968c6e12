# syntax=docker/dockerfile:1
# Build a static binary (modernc.org/sqlite is pure Go, so CGO is off).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/feedwatch ./cmd/feedwatch \
 && mkdir -p /out/data

# A minimal, non-root runtime: the binary, CA certificates and time zones.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/feedwatch /usr/local/bin/feedwatch
COPY --from=build --chown=nonroot:nonroot /out/data /data
COPY config/feedwatch.yaml /etc/feedwatch/feedwatch.yaml
COPY config/topics.yaml /etc/feedwatch/topics.yaml
# The topics file the rules workbench edits lives in the data volume,
# which the non-root user can write; the first start copies the shipped
# one there (topics_seed). /etc/feedwatch stays read-only.
ENV FEEDWATCH_CONFIG=/etc/feedwatch/feedwatch.yaml \
    FEEDWATCH_DATA_DIR=/data \
    FEEDWATCH_DATABASE=/data/feedwatch.db \
    FEEDWATCH_TOPICS_FILE=/data/topics.yaml \
    FEEDWATCH_TOPICS_SEED=/etc/feedwatch/topics.yaml \
    FEEDWATCH_WEB_LISTEN=0.0.0.0:8080 \
    FEEDWATCH_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD ["/usr/local/bin/feedwatch", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/feedwatch"]
CMD ["run"]

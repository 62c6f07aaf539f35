# syntax=docker/dockerfile:1
# Srok's container image: a static binary on distroless, run as a user
# without privileges. docker-compose.yml runs it with PostgreSQL and Mailpit;
# the test run parses and lints this file (cmd/srok/stack_test.go).

# Build: a static binary (no cgo: the SQLite driver is pure Go), without the
# paths of the build machine, stripped.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/srok ./cmd/srok \
    && mkdir -p /out/data

# Run: no shell, no package manager; the CA certificates and time zones of
# distroless suffice (the binary embeds its own time zones as well).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/srok /usr/local/bin/srok
# The embedded SQLite's folder, for a run without DATABASE_URL; owned by the
# user the server runs as.
COPY --from=build --chown=65532:65532 /out/data /var/lib/srok
ENV SROK_ADDR=0.0.0.0:8080 \
    SROK_DATA_DIR=/var/lib/srok
USER 65532:65532
EXPOSE 8080
# There is no curl in the image: srok asks its own /readyz.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/srok", "healthcheck"]
# Any srok command runs: docker run IMAGE deadline --type access --trigger now
ENTRYPOINT ["/usr/local/bin/srok"]
CMD ["serve", "--migrate"]

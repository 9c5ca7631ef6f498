# syntax=docker/dockerfile:1
# Build: docker build -t trro_exporter .
# Multi-architecture: docker buildx build --platform linux/amd64,linux/arm64 -t … .
FROM --platform=$BUILDPLATFORM golang:1.27.3-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Empty: the release in the VERSION file, and the revision git knows.
ARG VERSION=
ARG REVISION=
ARG TARGETOS=linux
ARG TARGETARCH=amd64
RUN VERSION=${VERSION:-$(cat VERSION)}; REVISION=${REVISION:-unknown}; \
    CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} GOTOOLCHAIN=local go build -trimpath \
      -ldflags "-s -w -X github.com/prometheus/common/version.Version=${VERSION} -X github.com/prometheus/common/version.Revision=${REVISION}" \
      -o /out/trro_exporter .

# distroless/static carries CA certificates for the HTTPS API and no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/trro_exporter /bin/trro_exporter
USER 65532:65532
EXPOSE 9688
ENTRYPOINT ["/bin/trro_exporter"]

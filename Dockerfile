# syntax=docker/dockerfile:1
# rnncast in a small image: a pinned Go toolchain builds a static binary,
# a pinned distroless image runs it as a non-root user.

FROM golang:1.26.8 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/rnncast ./cmd/rnncast

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rnncast /usr/local/bin/rnncast
COPY deploy/pipeline.yaml /etc/rnncast/pipeline.yaml
# The bundled demo model (models/README.md says how it was trained); mount
# another file over it, or set model.path, to serve your own.
COPY models/demo.safetensors /models/model.safetensors
USER 65532:65532
EXPOSE 9464
ENTRYPOINT ["/usr/local/bin/rnncast"]
CMD ["run", "--config", "/etc/rnncast/pipeline.yaml"]

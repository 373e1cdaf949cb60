# syntax=docker/dockerfile:1
# rnncast in a small image: a pinned Go toolchain builds a static binary,
# a pinned distroless image runs it as a non-root user.

FROM golang:1.26.8 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/rnncast ./cmd/rnncast \
 && mkdir -p /out/models

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rnncast /usr/local/bin/rnncast
COPY deploy/pipeline.yaml /etc/rnncast/pipeline.yaml
# A named volume mounted here starts with this owner, so the non-root
# "train" service can write the model file into it.
COPY --from=build --chown=65532:65532 /out/models /models
USER 65532:65532
EXPOSE 9464
ENTRYPOINT ["/usr/local/bin/rnncast"]
CMD ["run", "--config", "/etc/rnncast/pipeline.yaml"]

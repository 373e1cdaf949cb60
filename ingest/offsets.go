package ingest

import (
	"context"
	"fmt"
)

// Offsets returns a partition's first offset and its high watermark (the
// offset the next produced record will get), read from its leader. ctx's
// deadline bounds the exchange, so a broker that stops answering cannot
// hold the caller.
func Offsets(ctx context.Context, cfg Config, partition int) (first, end int64, err error) {
	cfg = cfg.withDefaults()
	conn, err := dialLeader(ctx, cfg.Dialer, cfg.Brokers, cfg.Topic, partition)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if first, end, err = conn.ReadOffsets(); err != nil {
		return 0, 0, fmt.Errorf("ingest: cannot read offsets of %s/%d: %w", cfg.Topic, partition, err)
	}
	return first, end, nil
}

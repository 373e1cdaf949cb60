package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/rnncast/rnncast/kafkaconn"
	"github.com/segmentio/kafka-go"
)

// exactBytes tells a null key or value from an empty one, which kafka-go's
// Reader cannot: it returns nil for both. For a record it returned with a
// nil key or value, exactBytes fetches the partition's raw record batches
// from that offset (kafka.Client, whose records keep the difference) and
// remembers the empty keys and values of every record they hold, so that
// a run of such records (keyless ones, say) costs one extra fetch per
// fetch's worth of records, and records with both a key and a value cost
// nothing. Owned by the goroutine of its Fetcher or RangeReader.
type exactBytes struct {
	cl        *kafka.Client
	topic     string
	partition int
	from, to  int64           // offsets the last raw fetch covered
	empty     map[int64]uint8 // in [from, to): emptyKey | emptyValue
}

const (
	emptyKey uint8 = 1 << iota
	emptyValue
)

// rawFetchBytes bounds one raw fetch (the broker returns at least the first
// batch whatever the bound).
const rawFetchBytes = 1 << 20

// rawFetchTimeout bounds one raw fetch.
const rawFetchTimeout = 10 * time.Second

func newExactBytes(cfg Config, partition int) *exactBytes {
	tr := kafkaconn.TransportOf(cfg.Dialer) // the group's TLS and SASL
	return &exactBytes{cl: &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Transport: tr, Timeout: rawFetchTimeout},
		topic: cfg.Topic, partition: partition, empty: map[int64]uint8{}}
}

// fix turns km's nil key or value into an empty slice when the record's is
// empty rather than null. A deadline of ctx does not bound the raw fetch
// (only its cancellation does): a micro-batch's few milliseconds of
// MaxDelay would cut every attempt short on a loaded machine, and the
// record would never be returned.
func (e *exactBytes) fix(ctx context.Context, km *kafka.Message) error {
	if km.Key != nil && km.Value != nil {
		return nil
	}
	if km.Offset < e.from || km.Offset >= e.to {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rawFetchTimeout)
		defer cancel()
		stop := context.AfterFunc(ctx, func() {
			if errors.Is(ctx.Err(), context.Canceled) {
				cancel()
			}
		})
		defer stop()
		if err := e.fetch(rctx, km.Offset); err != nil {
			return fmt.Errorf("ingest: cannot read record %d of %s/%d again: %w", km.Offset, e.topic, e.partition, err)
		}
	}
	flags := e.empty[km.Offset]
	if km.Key == nil && flags&emptyKey != 0 {
		km.Key = []byte{}
	}
	if km.Value == nil && flags&emptyValue != 0 {
		km.Value = []byte{}
	}
	return nil
}

// fetch reads the raw batches from offset and records their records' empty
// keys and values.
func (e *exactBytes) fetch(ctx context.Context, offset int64) error {
	res, err := e.cl.Fetch(ctx, &kafka.FetchRequest{Topic: e.topic, Partition: e.partition, Offset: offset,
		MinBytes: 1, MaxBytes: rawFetchBytes, MaxWait: 100 * time.Millisecond})
	if err != nil {
		return err
	}
	if res.Error != nil {
		return res.Error
	}
	clear(e.empty)
	e.from, e.to = offset, offset
	for {
		r, err := res.Records.ReadRecord()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if r.Offset < offset {
			continue // a batch may start before the offset asked for
		}
		var flags uint8
		if r.Key != nil && r.Key.Len() == 0 {
			flags |= emptyKey
		}
		if r.Value != nil && r.Value.Len() == 0 {
			flags |= emptyValue
		}
		if flags != 0 {
			e.empty[r.Offset] = flags
		}
		e.to = r.Offset + 1
	}
}

// close releases the raw fetches' connections.
func (e *exactBytes) close() {
	if tr, ok := e.cl.Transport.(*kafka.Transport); ok {
		tr.CloseIdleConnections()
	}
}

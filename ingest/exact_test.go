package ingest

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/segmentio/kafka-go"
)

// TestExactBytes checks that a Fetcher and a RangeReader return a null key
// or value as nil and an empty one as an empty slice (kafka-go's Reader
// returns nil for both), with the record's headers, across more records
// than one raw fetch covers.
func TestExactBytes(t *testing.T) {
	for _, cl := range []struct {
		name string
		new  func(testing.TB) *kafkatest.Cluster
	}{
		{"kfake", func(t testing.TB) *kafkatest.Cluster { return kafkatest.Kfake(t) }},
		{"real", func(t testing.TB) *kafkatest.Cluster { return kafkatest.Real(t) }},
	} {
		t.Run(cl.name, func(t *testing.T) {
			c := cl.new(t)
			topic := kafkatest.Name(t, "in")
			c.CreateTopic(t, topic, 1, nil)
			e, v := []byte{}, []byte("v")
			kinds := [][2][]byte{{nil, nil}, {e, e}, {nil, e}, {e, nil}, {[]byte("k"), nil}, {[]byte("k"), e}, {nil, v}, {e, v}, {[]byte("k"), v}}
			var msgs []kafka.Message
			for i := range 3000 { // ~3 raw fetches of 1 MiB
				k := kinds[i%len(kinds)]
				m := kafka.Message{Key: k[0], Value: k[1]}
				if i%len(kinds) == 0 {
					m.Value = nil
				}
				if i%7 == 0 {
					m.Headers = []kafka.Header{{Key: "n", Value: []byte(strconv.Itoa(i))}, {Key: "empty", Value: []byte{}}}
				}
				if i%len(kinds) == len(kinds)-1 {
					m.Value = bytes.Repeat([]byte("x"), 1000)
				}
				msgs = append(msgs, m)
			}
			c.ProduceTo(t, topic, 0, msgs...)
			cfg := Config{Brokers: c.Brokers, Topic: topic, Group: "unused"}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()

			f, err := NewFetcher(cfg, Assignment{Partition: 0, Offset: 0})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			checkExact(t, "Fetcher", msgs, func(m *Message) error { return f.Fetch(ctx, m) })

			// Fetches cut short (a micro-batch's MaxDelay on a loaded
			// machine) must not starve the raw fetch: each record comes
			// within a few calls.
			short, err := NewFetcher(cfg, Assignment{Partition: 0, Offset: 0})
			if err != nil {
				t.Fatal(err)
			}
			defer short.Close()
			checkExact(t, "Fetcher with short deadlines", msgs[:40], func(m *Message) error {
				for range 1000 {
					sctx, scancel := context.WithTimeout(ctx, 50*time.Microsecond)
					err := short.Fetch(sctx, m)
					scancel()
					if !errors.Is(err, context.DeadlineExceeded) {
						return err
					}
				}
				return errors.New("no record after 1000 short fetches")
			})

			rr, err := NewRangeReader(cfg, Range{Partition: 0, From: 0, To: int64(len(msgs))})
			if err != nil {
				t.Fatal(err)
			}
			defer rr.Close()
			checkExact(t, "RangeReader", msgs, func(m *Message) error { return rr.Next(ctx, m) })
		})
	}
}

func checkExact(t *testing.T, name string, want []kafka.Message, next func(*Message) error) {
	t.Helper()
	var m Message
	for i, w := range want {
		if err := next(&m); err != nil {
			t.Fatalf("%s: record %d: %v", name, i, err)
		}
		if m.Offset != int64(i) || !same(m.Key, w.Key) || !same(m.Value, w.Value) {
			t.Fatalf("%s: record %d: offset %d key %s value %s; want key %s value %s",
				name, i, m.Offset, show(m.Key), show(m.Value), show(w.Key), show(w.Value))
		}
		if len(m.Headers) != len(w.Headers) {
			t.Fatalf("%s: record %d: headers %v, want %v", name, i, m.Headers, w.Headers)
		}
		for j, h := range w.Headers {
			if m.Headers[j].Key != h.Key || !bytes.Equal(m.Headers[j].Value, h.Value) {
				t.Fatalf("%s: record %d: header %d = %v, want %v", name, i, j, m.Headers[j], h)
			}
		}
	}
}

func same(a, b []byte) bool { return bytes.Equal(a, b) && (a == nil) == (b == nil) }

func show(b []byte) string {
	if b == nil {
		return "null"
	}
	return strconv.Quote(string(b))
}

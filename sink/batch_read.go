package sink

// Message is a read-only view of one message of a Batch. Its slices alias
// the Batch and are valid until the Batch is reset.
type Message struct {
	Topic      string
	Partition  int
	Key, Value []byte
	Headers    []Header
}

// Each calls fn for every message of b, in the order they were added. The
// Message and its slices are valid only during the call.
func (b *Batch) Each(fn func(m *Message)) {
	var m Message
	for i := range b.msgs {
		km := &b.msgs[i]
		m = Message{Topic: km.Topic, Partition: km.Partition, Key: km.Key, Value: km.Value, Headers: m.Headers[:0]}
		for _, h := range km.Headers {
			m.Headers = append(m.Headers, Header{Key: h.Key, Value: h.Value})
		}
		fn(&m)
	}
}

// DropTopic removes b's messages to topic, keeping the order of the others
// and the memory of all (messages are swapped, never copied), so that b can
// be reset and reused.
func (b *Batch) DropTopic(topic string) {
	n := 0
	for i := range b.msgs {
		if b.msgs[i].Topic == topic {
			continue
		}
		b.msgs[n], b.msgs[i] = b.msgs[i], b.msgs[n]
		b.orig[n], b.orig[i] = b.orig[i], b.orig[n]
		n++
	}
	b.msgs, b.orig = b.msgs[:n], b.orig[:n]
}

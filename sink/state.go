package sink

// AddState adds a state checkpoint record to topic, keyed by key, for
// partition (the input partition: the state topic is co-partitioned with
// the input topic). A nil value writes a tombstone, which compaction turns
// into the key's deletion.
func (b *Batch) AddState(topic string, partition int, key string, value []byte) {
	m := b.next(origin{kind: KindState, offset: -1})
	m.Topic, m.Partition = topic, partition
	m.Key = append(m.Key, key...)
	m.Value = appendExact(m.Value, value)
}

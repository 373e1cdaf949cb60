// Package record decodes and validates input records (a Kafka key and
// value) into Readings, and names the reasons a record is dead-lettered.
//
// A Decoder is owned by one goroutine (one per partition worker): it keeps
// scratch buffers and an intern table of keys, so that decoding a record
// allocates nothing in steady state. The package starts no goroutine, reads
// no clock and does no I/O.
//
// # Input contracts
//
// The key is the sensor id: UTF-8, non-empty, at most MaxKeyBytes bytes.
//
// The json codec reads one object per value:
//
//	{"ts": "2024-05-01T10:00:00Z", "value": 21.5}
//	{"ts": 1714557600000, "values": [21.5, 0.4]}
//
// ts is an RFC 3339 string (T and Z in either case, RFC 3339 §5.6) or a
// number of TimeUnit units (milliseconds by default; s, us or ns) since the
// Unix epoch. A numeric ts may have a fraction or an exponent; it is
// converted exactly, in integers, and must be a whole number of nanoseconds
// with at most 19 significant digits. value (one feature) or values
// (Features numbers, in the model's feature order) are JSON numbers. When ts
// is absent and UseRecordTime is set, the Kafka record's timestamp is the
// event time. Whatever its source, an event time before MinTime (default
// 2000-01-01) or after MaxTime (2200-01-01) is rejected as invalid-time; for
// a numeric ts the message names the unit it was read in and, when another
// unit would put it in range, that unit (a sensor sending epoch seconds to a
// decoder reading milliseconds lands in 1970).
// Fields other than ts, value and values are ignored, so producers may add
// metadata (a unit, a site), unless RejectUnknown is set; they must still be
// well-formed JSON. A field given twice, or both value and values, is
// rejected as ambiguous.
//
// The csv codec reads one line: ts,value[,value...], where ts is RFC 3339
// or a number, read as in json, or empty when UseRecordTime is set. Spaces around
// fields and one trailing newline are allowed; quoting is not.
//
// # Rejections
//
// Every rejected record yields a *RejectError whose Reason is the value of
// the dead-letter "reason" header. Decoding never panics on any input.
//
// # Aliasing
//
// Decode writes into the caller's Reading: it reuses the capacity of
// r.Values and may return a Key string shared with earlier Readings (keys
// are immutable strings, so sharing is safe). Decode keeps no reference to
// the key or value bytes.
package record

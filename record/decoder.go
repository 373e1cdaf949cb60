package record

import (
	"errors"
	"fmt"
	"math"
	"time"
	"unicode/utf8"
)

// Codec names accepted by DecoderConfig.Format.
const (
	FormatJSON = "json"
	FormatCSV  = "csv"
)

// DecoderConfig configures a Decoder. The zero value of every field but
// Features selects its documented default.
type DecoderConfig struct {
	// Format is the value codec: "json" (default) or "csv".
	Format string
	// Features is how many values a reading has; required, at least 1.
	Features int
	// UseRecordTime makes the Kafka record timestamp the event time of a
	// value that has no ts. Default false: such a value is rejected.
	UseRecordTime bool
	// MaxKeyBytes bounds the key's length. Default 256.
	MaxKeyBytes int
	// MaxValueBytes bounds the value's length. Default 65536.
	MaxValueBytes int
	// TimeUnit is the unit of a numeric ts: "s", "ms" (default), "us" or
	// "ns". A numeric ts may have a fraction and an exponent (1.5, 1.7e9)
	// and is converted exactly, as long as it is a whole number of
	// nanoseconds with at most 19 significant digits.
	TimeUnit string
	// MinTime and MaxTime bound event times (inclusive), whatever their
	// source: a numeric ts, an RFC 3339 ts or the record timestamp. A time
	// outside is invalid-time, with a hint at the unit when a numeric ts
	// would be in range in another one. Defaults 2000-01-01T00:00:00Z and
	// 2200-01-01T00:00:00Z. The messages name pipeline.yaml's settings
	// (input.time_unit, input.min_time, input.max_time), which set these.
	MinTime, MaxTime time.Time
	// RejectUnknown rejects a json value with a field other than ts, value
	// and values. Default false: unknown fields are skipped.
	RejectUnknown bool
	// MaxInternKeys bounds the table of interned keys, which lets Decode
	// return the same Key string for a sensor without allocating. Default
	// 65536; beyond it new keys are allocated per record.
	MaxInternKeys int
}

// Defaults of DecoderConfig.
var (
	DefaultMinTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	DefaultMaxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

func (c DecoderConfig) withDefaults() DecoderConfig {
	if c.Format == "" {
		c.Format = FormatJSON
	}
	if c.MaxKeyBytes == 0 {
		c.MaxKeyBytes = 256
	}
	if c.MaxValueBytes == 0 {
		c.MaxValueBytes = 65536
	}
	if c.TimeUnit == "" {
		c.TimeUnit = UnitMilliseconds
	}
	if c.MinTime.IsZero() {
		c.MinTime = DefaultMinTime
	}
	if c.MaxTime.IsZero() {
		c.MaxTime = DefaultMaxTime
	}
	if c.MaxInternKeys == 0 {
		c.MaxInternKeys = 65536
	}
	return c
}

// Validate reports whether the configuration (after defaults) is usable.
func (c DecoderConfig) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Format != FormatJSON && c.Format != FormatCSV:
		return fmt.Errorf("record: unknown format %q (want json or csv)", c.Format)
	case !validUnit(c.TimeUnit):
		return fmt.Errorf("record: unknown time unit %q (want s, ms, us or ns)", c.TimeUnit)
	case c.Features < 1:
		return fmt.Errorf("record: features must be at least 1, got %d", c.Features)
	case c.MaxKeyBytes < 1 || c.MaxValueBytes < 1 || c.MaxInternKeys < 0:
		return errors.New("record: key, value and intern bounds must be positive")
	case !c.MinTime.Before(c.MaxTime):
		return fmt.Errorf("record: min time %v is not before max time %v", c.MinTime, c.MaxTime)
	}
	return nil
}

// validUnit reports whether name is a time unit.
func validUnit(name string) bool {
	_, ok := lookupUnit(name)
	return ok
}

// Decoder decodes record keys and values into Readings. It is owned by one
// goroutine.
type Decoder struct {
	cfg     DecoderConfig
	unit    timeUnit          // of a numeric ts
	keys    map[string]string // interned keys, when interner is nil
	scratch []byte            // unescaped JSON strings
	// interner, when set, interns keys in place of keys (InternWith).
	interner func(key []byte) (string, bool)
}

// NewDecoder returns a Decoder for cfg.
func NewDecoder(cfg DecoderConfig) (*Decoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	unit, _ := lookupUnit(cfg.TimeUnit)
	return &Decoder{
		cfg:  cfg,
		unit: unit,
		keys: make(map[string]string),
	}, nil
}

// Config returns the decoder's configuration with defaults applied.
func (d *Decoder) Config() DecoderConfig { return d.cfg }

// Decode validates key and decodes value into r (Key, Time and Values; the
// caller sets Topic, Partition and Offset). recordTime is the Kafka record
// timestamp, used when the value has no ts and UseRecordTime is set. A bad
// record yields a *RejectError, and r is then unspecified.
func (d *Decoder) Decode(key, value []byte, recordTime time.Time, r *Reading) error {
	if err := d.checkKey(key); err != nil {
		return err
	}
	if len(value) > d.cfg.MaxValueBytes {
		return Reject(ReasonTooLarge, fmt.Errorf("value of %d bytes exceeds %d", len(value), d.cfg.MaxValueBytes))
	}
	r.Values = r.Values[:0]
	var st stamp
	var err error
	if d.cfg.Format == FormatCSV {
		err = d.decodeCSV(value, &st, r)
	} else {
		err = d.decodeJSON(value, &st, r)
	}
	if err == nil {
		err = d.eventTime(&st, recordTime, r)
	}
	if err == nil {
		err = d.finish(&st, r)
	}
	if err != nil {
		return err
	}
	r.Key = d.intern(key) // only accepted keys take a place in the table
	return nil
}

// stamp is what a value says of its event time.
type stamp struct {
	t      time.Time
	has    bool   // the value has a ts
	num    []byte // a numeric ts as written (it aliases the value); nil for RFC 3339
	record bool   // t is the Kafka record timestamp (set by eventTime)
}

// finish checks the feature count and the event time's range.
func (d *Decoder) finish(st *stamp, r *Reading) error {
	if len(r.Values) != d.cfg.Features {
		return Reject(ReasonInvalidValue, fmt.Errorf("got %d values, want %d", len(r.Values), d.cfg.Features))
	}
	if r.Time.Before(d.cfg.MinTime) || r.Time.After(d.cfg.MaxTime) {
		return d.outOfRange(st, r.Time)
	}
	return nil
}

// eventTime sets the event time of a value: its own ts when present, else
// the record time when allowed.
func (d *Decoder) eventTime(st *stamp, recordTime time.Time, r *Reading) error {
	switch {
	case st.has:
		r.Time = st.t
	case !d.cfg.UseRecordTime:
		return Reject(ReasonInvalidTime, errors.New("missing ts"))
	case recordTime.IsZero():
		return Reject(ReasonInvalidTime, errors.New("missing ts and record timestamp"))
	default:
		r.Time = recordTime.UTC()
		st.record = true
	}
	return nil
}

func (d *Decoder) checkKey(key []byte) error {
	switch {
	case len(key) == 0:
		return Reject(ReasonInvalidKey, errors.New("empty key"))
	case len(key) > d.cfg.MaxKeyBytes:
		return Reject(ReasonInvalidKey, fmt.Errorf("key of %d bytes exceeds %d", len(key), d.cfg.MaxKeyBytes))
	case !utf8.Valid(key):
		return Reject(ReasonInvalidKey, errors.New("key is not valid UTF-8"))
	}
	return nil
}

// InternWith makes f the decoder's intern table: f returns the string held
// for a known key, and false for an unknown one, which Decode then returns
// as a new string without remembering it. A caller that keeps a table of
// its keys anyway (window.Windows.Intern) so spares the decoder's table
// and a hash lookup per record.
func (d *Decoder) InternWith(f func(key []byte) (string, bool)) {
	d.interner = f
	clear(d.keys)
}

// intern returns key as a string, shared across calls for the same key
// while the table has room.
func (d *Decoder) intern(key []byte) string {
	if d.interner != nil {
		if s, ok := d.interner(key); ok {
			return s
		}
		return string(key)
	}
	if s, ok := d.keys[string(key)]; ok {
		return s
	}
	s := string(key)
	if len(d.keys) < d.cfg.MaxInternKeys {
		d.keys[s] = s
	}
	return s
}

// appendValue appends a value to r.Values. It must be finite also as a
// float32, the model's arithmetic: 1e300 is rejected, not turned into +Inf.
func appendValue(r *Reading, v float64) error {
	if math.IsNaN(v) || math.Abs(v) > math.MaxFloat32 {
		return Reject(ReasonInvalidValue, fmt.Errorf("value %v is not a finite float32", v))
	}
	r.Values = append(r.Values, v)
	return nil
}

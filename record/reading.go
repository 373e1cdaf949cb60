package record

import (
	"errors"
	"time"
)

// Reading is one decoded sensor reading.
type Reading struct {
	Key    string    // sensor id
	Time   time.Time // event time
	Values []float64 // one per feature, finite

	// Where the reading came from; set by the caller (ingest), not Decode.
	Topic     string
	Partition int
	Offset    int64
}

// Reason says why a record was dead-lettered; it is the value of the
// dead-letter "reason" header.
type Reason string

// The reasons a record is rejected.
const (
	ReasonDecode       Reason = "decode"        // not a well-formed value of the codec
	ReasonInvalidKey   Reason = "invalid-key"   // empty, too long or not UTF-8
	ReasonInvalidValue Reason = "invalid-value" // missing, non-finite, wrong type or count
	ReasonInvalidTime  Reason = "invalid-time"  // missing, malformed or out of range
	ReasonTooLarge     Reason = "too-large"     // value longer than MaxValueBytes
	ReasonLate         Reason = "late"          // its slot was already applied (window)
	ReasonDuplicate    Reason = "duplicate"     // its slot already had a reading (window)

	// A record whose forecast or dead letter the broker refused for what
	// it held (too large, invalid): its dead letter is written in place.
	ReasonForecastRefused   Reason = "forecast-refused"
	ReasonDeadLetterRefused Reason = "dead-letter-refused"
)

// RejectError is the error of a record that cannot be processed and goes to
// the dead-letter topic.
type RejectError struct {
	Reason Reason
	Err    error
}

// Error returns "record: <reason>: <err>".
func (e *RejectError) Error() string {
	return "record: " + string(e.Reason) + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *RejectError) Unwrap() error { return e.Err }

// Reject returns a *RejectError with the given reason and error.
func Reject(reason Reason, err error) *RejectError {
	return &RejectError{Reason: reason, Err: err}
}

// ReasonOf returns the Reason of the first *RejectError in err's chain, and
// false when there is none.
func ReasonOf(err error) (Reason, bool) {
	var re *RejectError
	if errors.As(err, &re) {
		return re.Reason, true
	}
	return "", false
}

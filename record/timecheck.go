package record

import (
	"fmt"
	"time"
)

// The rejections of event times say what the time was read as and which
// setting of pipeline.yaml would change the verdict: a producer sending
// epoch seconds to a decoder reading milliseconds should learn that from
// the first dead letter, not from the 59 duplicates that follow a reading
// placed in 1970.

// numericTime converts a numeric ts, num as written and dec and status as
// parseDecimal returned them, to a time in the decoder's unit. A rejection
// names the number as written.
func (d *Decoder) numericTime(num []byte, dec decimal, status numStatus, st *stamp) error {
	if status == numOK {
		st.t, status = dec.toTime(d.unit)
	}
	switch status {
	case numOK:
		st.has, st.num = true, num
		return nil
	case numSyntax:
		return Reject(ReasonInvalidTime, fmt.Errorf("ts %s is not a number", num))
	case numDigits:
		return Reject(ReasonInvalidTime, fmt.Errorf("ts %s has more than %d significant digits", num, maxSignificant))
	case numSubNano:
		return Reject(ReasonInvalidTime, fmt.Errorf("ts %s read as %s is not a whole number of nanoseconds", num, d.unit.word))
	}
	beyond := "is after the year 9999, after input.max_time " + formatTime(d.cfg.MaxTime)
	if dec.neg {
		beyond = "is before the year 0000, before input.min_time " + formatTime(d.cfg.MinTime)
	}
	return Reject(ReasonInvalidTime, fmt.Errorf("ts %s read as %s %s%s", num, d.unit.word, beyond, d.unitHint(num)))
}

// outOfRange returns the rejection of an event time t outside [MinTime,
// MaxTime], worded for where t came from.
func (d *Decoder) outOfRange(st *stamp, t time.Time) error {
	bound := "before input.min_time " + formatTime(d.cfg.MinTime)
	if t.After(d.cfg.MaxTime) {
		bound = "after input.max_time " + formatTime(d.cfg.MaxTime)
	}
	var err error
	switch {
	case st.record:
		err = fmt.Errorf("the Kafka record timestamp %s, the event time of a value without ts (input.use_record_time), is %s",
			formatTime(t), bound)
	case st.num != nil:
		err = fmt.Errorf("ts %s read as %s is %s, %s%s", st.num, d.unit.word, formatTime(t), bound, d.unitHint(st.num))
	case t.Before(d.cfg.MinTime):
		err = fmt.Errorf("ts %s is %s: lower input.min_time if readings this old are right", formatTime(t), bound)
	default:
		err = fmt.Errorf("ts %s is %s", formatTime(t), bound)
	}
	return Reject(ReasonInvalidTime, err)
}

// unitHint suggests the unit, other than the decoder's, in which the
// numeric ts num is a time within [MinTime, MaxTime]. The bounds' default
// span (2000 to 2200) is shorter than a factor of 1000, so at most one unit
// fits; with wider bounds the coarsest that fits is named.
func (d *Decoder) unitHint(num []byte) string {
	dec, status := parseDecimal(num)
	if status != numOK {
		return ""
	}
	for _, u := range timeUnits {
		if u == d.unit {
			continue
		}
		if t, status := dec.toTime(u); status == numOK && !t.Before(d.cfg.MinTime) && !t.After(d.cfg.MaxTime) {
			return fmt.Sprintf(": is ts in %s? set input.time_unit: %s", u.word, u.name)
		}
	}
	return ": no input.time_unit (s, ms, us, ns) puts it between input.min_time and input.max_time"
}

// formatTime writes t in RFC 3339 with as many fraction digits as it needs.
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

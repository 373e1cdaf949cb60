package record_test

import (
	"fmt"
	"time"

	"github.com/rnncast/rnncast/record"
)

func ExampleDecoder_Decode() {
	d, err := record.NewDecoder(record.DecoderConfig{Features: 1})
	if err != nil {
		panic(err)
	}
	var r record.Reading
	for _, v := range []string{
		`{"ts":"2024-05-01T10:00:00Z","value":21.5}`,
		`{"ts":"2024-05-01T11:00:00Z","value":"NaN"}`,
	} {
		if err := d.Decode([]byte("s-1"), []byte(v), time.Time{}, &r); err != nil {
			reason, _ := record.ReasonOf(err)
			fmt.Println("dead letter:", reason, "-", err)
			continue
		}
		fmt.Println(r.Key, r.Time.Format(time.RFC3339), r.Values)
	}
	// Output:
	// s-1 2024-05-01T10:00:00Z [21.5]
	// dead letter: invalid-value - record: invalid-value: value "NaN" is a string, not a number
}

package train

import (
	"strings"
	"testing"
	"time"
)

func TestReadCSV(t *testing.T) {
	const in = "date,a,OT,b\n" +
		"2016-07-01 00:00:00,1,10,100\n" +
		"2016-07-01 01:00:00,2,20,200\n" +
		"2016-07-01 02:00:00,3,30,300\n"
	tab, err := ReadCSV(strings.NewReader(in), "OT", []string{"b", "OT"})
	if err != nil {
		t.Fatal(err)
	}
	if tab.Interval != time.Hour || len(tab.Times) != 3 || tab.Target != 1 {
		t.Errorf("got interval %v, %d rows, target %d; want 1h, 3, 1", tab.Interval, len(tab.Times), tab.Target)
	}
	want := []float64{100, 10, 200, 20, 300, 30}
	for i, v := range want {
		if tab.Values[i] != v {
			t.Fatalf("got values %v, want %v", tab.Values, want)
		}
	}
	d := tab.Data(0, 0)
	if d.Features != 2 || d.TrainEnd != 1 || d.ValEnd != 2 {
		t.Errorf("got data features %d splits %d/%d, want 2 and 1/2", d.Features, d.TrainEnd, d.ValEnd)
	}
}

func TestReadCSVTargetOnlyAndAdded(t *testing.T) {
	in := "ts,x,y\n2026-01-01T00:00:00Z,1,2\n2026-01-01T00:10:00Z,3,4\n"
	f := func(features []string, wantNames string) {
		t.Helper()
		tab, err := ReadCSV(strings.NewReader(in), "y", features)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(tab.Names, ","); got != wantNames || tab.Interval != 10*time.Minute {
			t.Errorf("features %v: got names %q interval %v, want %q 10m", features, got, tab.Interval, wantNames)
		}
	}
	f(nil, "y")
	f([]string{"x"}, "x,y")
}

func TestReadCSVErrors(t *testing.T) {
	cases := []struct{ name, in string }{
		{"empty", ""},
		{"missing target", "date,a\n2016-07-01 00:00:00,1\n2016-07-01 01:00:00,2\n"},
		{"target is the time column", "OT,a\n2016-07-01 00:00:00,1\n"},
		{"bad time", "date,OT\nyesterday,1\n2016-07-01 01:00:00,2\n"},
		{"bad value", "date,OT\n2016-07-01 00:00:00,x\n2016-07-01 01:00:00,2\n"},
		{"one row", "date,OT\n2016-07-01 00:00:00,1\n"},
		{"uneven grid", "date,OT\n2016-07-01 00:00:00,1\n2016-07-01 01:00:00,2\n2016-07-01 03:00:00,3\n"},
		{"decreasing", "date,OT\n2016-07-01 01:00:00,1\n2016-07-01 00:00:00,2\n2016-06-30 23:00:00,3\n"},
	}
	for _, c := range cases {
		if _, err := ReadCSV(strings.NewReader(c.in), "OT", nil); err == nil {
			t.Errorf("%s: got nil error, want one", c.name)
		}
	}
}

func TestDataValidate(t *testing.T) {
	c := Config{Window: 4, Horizon: 2, Batch: 2}.withDefaults()
	good := func() *Data {
		d := &Data{Features: 1, TrainEnd: 20, ValEnd: 25}
		for i := 0; i < 30; i++ {
			d.Values = append(d.Values, float64(i))
		}
		return d
	}
	if err := good().validate(c); err != nil {
		t.Fatalf("valid data: got %v", err)
	}
	cases := []struct {
		name   string
		modify func(*Data)
	}{
		{"ragged rows", func(d *Data) { d.Features = 7 }},
		{"target out of range", func(d *Data) { d.Target = 1 }},
		{"validation past the end", func(d *Data) { d.ValEnd = 31 }},
		{"train end after validation", func(d *Data) { d.TrainEnd = 26 }},
		{"too few train rows", func(d *Data) { d.TrainEnd = 5 }},
		{"validation shorter than the horizon", func(d *Data) { d.ValEnd = 21 }},
		{"NaN", func(d *Data) { d.Values[3] = d.Values[3] / 0 * 0 }},
	}
	for _, tc := range cases {
		d := good()
		tc.modify(d)
		if err := d.validate(c); err == nil {
			t.Errorf("%s: got nil error, want one", tc.name)
		}
	}
}

func TestScaler(t *testing.T) {
	d := &Data{Features: 2, Values: []float64{1, 5, 3, 5, 100, 100}}
	mean, std := d.Scaler(2) // the third row is outside the fit.
	if mean[0] != 2 || std[0] != 1 || mean[1] != 5 || std[1] != 1 {
		t.Errorf("got mean %v std %v, want [2 5] and [1 1] (constant feature → std 1)", mean, std)
	}
}

// Command gen writes the synthetic training series of the demo model as CSV
// (date,value): hourly readings around 20 with a daily cycle of amplitude
// about 5, a weekly cycle, a slow trend and AR(1) noise, shaped like the
// simulator's sensors.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"time"
)

func main() {
	rows := flag.Int("rows", 8760, "hourly rows")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	rng := rand.New(rand.NewPCG(*seed, 2))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fmt.Fprintln(w, "date,value")
	noise := 0.0
	for t := 0; t < *rows; t++ {
		h := float64(t)
		noise = 0.8*noise + 0.35*rng.NormFloat64()
		v := 20 + 5*math.Sin(2*math.Pi*(h-8)/24) + 1.5*math.Sin(2*math.Pi*h/168) + 0.0002*h + noise
		fmt.Fprintf(w, "%s,%.4f\n", start.Add(time.Duration(t)*time.Hour).Format("2006-01-02 15:04:05"), v)
	}
}

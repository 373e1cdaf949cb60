package window_test

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/rnncast/rnncast/record"
	"github.com/rnncast/rnncast/window"
)

func ExampleWindows() {
	w, err := window.New[struct{}](window.Config{Interval: time.Hour, Window: 3, Features: 1, MaxGap: 2}, memory.NewGoAllocator())
	if err != nil {
		panic(err)
	}
	defer w.Release()
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	for i, h := range []int{0, 1, 3} { // slot 2 is missing: filled by "hold"
		r := record.Reading{Key: "s-1", Time: t0.Add(time.Duration(h) * time.Hour), Values: []float64{float64(h)}, Offset: int64(i)}
		if err := w.Add(&r); err != nil {
			panic(err)
		}
	}
	b, err := w.Flush()
	if err != nil {
		panic(err)
	}
	defer b.Release()
	values, windows := b.ValuesData(), b.WindowData()
	for _, round := range b.Rounds { // a stateful model runs one batched step per round
		for i := round[0]; i < round[1]; i++ {
			fmt.Println(b.Keys[i], values[i], windows[i*3:i*3+3], "reset", b.Resets[i], "filled", b.Filled[i], "ready", b.Ready[i])
		}
	}
	// Output:
	// s-1 0 [0 0 0] reset true filled false ready false
	// s-1 1 [0 0 1] reset false filled false ready false
	// s-1 1 [0 1 1] reset false filled true ready true
	// s-1 3 [1 1 3] reset false filled false ready true
}

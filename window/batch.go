package window

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Column indexes of a Batch's Record.
const (
	ColKey    = 0 // dictionary<int32, utf8>: the sensor id
	ColTime   = 1 // timestamp[ms, UTC]: the start of the step's slot
	ColValues = 2 // fixed_size_list<float32>[Features]: the step's values
	ColWindow = 3 // fixed_size_list<float32>[Window×Features]: the ring after the step, oldest first
)

// Batch is the steps of one Flush as one Arrow record and per-row Go
// slices. Rows are grouped in Rounds: within one round each key appears at
// most once, a key's steps are in order across rounds, and a round has at
// most MaxBatch rows. The Batch owns its Record; whoever holds the Batch
// calls Release once, after which the slices from ValuesData and
// WindowData must not be used. The other slices are plain Go memory.
type Batch struct {
	// Record has the columns ColKey, ColTime, ColValues and ColWindow.
	Record arrow.RecordBatch
	// Rounds are row ranges [lo, hi), in order, covering every row.
	Rounds [][2]int
	// Resets[i]: the key's state must be reset before this step (its
	// first step, or the first after a gap longer than MaxGap).
	Resets []bool
	// Filled[i]: the step is a gap fill, not a reading.
	Filled []bool
	// Ready[i]: the key's ring holds Window steps (window mode may run).
	Ready []bool
	// Offsets[i]: the input offset of the reading (of a filled step: the
	// reading whose arrival filled the gap).
	Offsets []int64
	// Steps[i]: the key's steps since its last reset, this one included
	// (1 on a reset row); stateful warm-up compares it with the model's.
	Steps []int64
	// Keys[i]: the sensor id.
	Keys []string
}

// Len returns the number of rows.
func (b *Batch) Len() int { return len(b.Keys) }

// ValuesData returns the values column as one slice, Len×Features values
// row-major, aliasing the Record: rows lo..hi are
// ValuesData()[lo*Features : hi*Features].
func (b *Batch) ValuesData() []float32 { return listData(b.Record.Column(ColValues)) }

// WindowData returns the window column as one slice, Len×Window×Features
// values, aliasing the Record.
func (b *Batch) WindowData() []float32 { return listData(b.Record.Column(ColWindow)) }

// Times returns the ts column as one slice of milliseconds since the Unix
// epoch, aliasing the Record.
func (b *Batch) Times() []arrow.Timestamp {
	return b.Record.Column(ColTime).(*array.Timestamp).TimestampValues()
}

// Release releases the Record; it is safe to call more than once.
func (b *Batch) Release() {
	if b.Record != nil {
		b.Record.Release()
		b.Record = nil
	}
}

func listData(col arrow.Array) []float32 {
	return col.(*array.FixedSizeList).ListValues().(*array.Float32).Float32Values()
}

// builders are the Arrow builders reused across Flush calls.
type builders struct {
	mem    memory.Allocator
	schema *arrow.Schema
	dict   *array.StringBuilder // the distinct keys of one batch
	idx    *array.Int32Builder  // per row: the key's index in dict
	ts     *array.TimestampBuilder
	vals   *array.FixedSizeListBuilder
	win    *array.FixedSizeListBuilder
}

func newBuilders(mem memory.Allocator, cfg Config) *builders {
	tsType := &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}
	f, wf := int32(cfg.Features), int32(cfg.Window*cfg.Features)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "key", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}},
		{Name: "ts", Type: tsType},
		{Name: "values", Type: arrow.FixedSizeListOf(f, arrow.PrimitiveTypes.Float32)},
		{Name: "window", Type: arrow.FixedSizeListOf(wf, arrow.PrimitiveTypes.Float32)},
	}, nil)
	return &builders{
		mem:    mem,
		schema: schema,
		dict:   array.NewStringBuilder(mem),
		idx:    array.NewInt32Builder(mem),
		ts:     array.NewTimestampBuilder(mem, tsType),
		vals:   array.NewFixedSizeListBuilder(mem, f, arrow.PrimitiveTypes.Float32),
		win:    array.NewFixedSizeListBuilder(mem, wf, arrow.PrimitiveTypes.Float32),
	}
}

func (b *builders) release() {
	b.dict.Release()
	b.idx.Release()
	b.ts.Release()
	b.vals.Release()
	b.win.Release()
}

// Schema returns the schema of every Batch's Record.
func (w *Windows[P]) Schema() *arrow.Schema { return w.b.schema }

package backtest

import (
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// parquetRows is the number of rows per Arrow record (and row group).
const parquetRows = 1 << 16

// schema returns the forecasts table's schema: one row per forecast and
// horizon step, with one column per method.
func (r *Result) schema() *arrow.Schema {
	ts := &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}
	fields := []arrow.Field{
		{Name: "issued", Type: ts},      // event time of the last input (row e−1).
		{Name: "target_time", Type: ts}, // the forecast row's time (row e+step−1).
		{Name: "step", Type: arrow.PrimitiveTypes.Int32},
		{Name: "actual", Type: arrow.PrimitiveTypes.Float64},
	}
	for _, s := range r.Scores {
		fields = append(fields, arrow.Field{Name: strings.ReplaceAll(s.Method, "-", "_"), Type: arrow.PrimitiveTypes.Float64})
	}
	if r.Keys != nil {
		fields = append(fields, arrow.Field{Name: "sensor", Type: arrow.BinaryTypes.String})
	}
	return arrow.NewSchema(fields, nil)
}

// WriteParquet writes every forecast of r as Parquet (zstd) to w; it does
// not close w.
func (r *Result) WriteParquet(w io.Writer) error {
	sc := r.schema()
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd))
	fw, err := pqarrow.NewFileWriter(sc, struct{ io.Writer }{w}, props, pqarrow.DefaultWriterProps())
	if err != nil {
		return fmt.Errorf("backtest: cannot start parquet: %w", err)
	}
	b := array.NewRecordBuilder(memory.NewGoAllocator(), sc)
	defer b.Release()
	total := len(r.Actual)
	for lo := 0; lo < total; lo += parquetRows {
		rec := r.record(b, lo, min(lo+parquetRows, total))
		err := fw.Write(rec)
		rec.Release()
		if err != nil {
			fw.Close()
			return fmt.Errorf("backtest: cannot write parquet: %w", err)
		}
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("backtest: cannot finish parquet: %w", err)
	}
	return nil
}

// record builds the rows [lo, hi) of the long table (row i is forecast
// i/H, step i%H).
func (r *Result) record(b *array.RecordBuilder, lo, hi int) arrow.RecordBatch {
	H := r.Horizon
	issued := b.Field(0).(*array.TimestampBuilder)
	target := b.Field(1).(*array.TimestampBuilder)
	step := b.Field(2).(*array.Int32Builder)
	actual := b.Field(3).(*array.Float64Builder)
	for i := lo; i < hi; i++ {
		e, k := r.Origins[i/H], i%H
		issued.Append(arrow.Timestamp(r.Times[e-1].UnixMilli()))
		target.Append(arrow.Timestamp(r.Times[e+k].UnixMilli()))
		step.Append(int32(k + 1))
		actual.Append(r.Actual[i])
	}
	for j, fc := range r.Forecasts {
		b.Field(4+j).(*array.Float64Builder).AppendValues(fc[lo:hi], nil)
	}
	if r.Keys != nil {
		sensor := b.Field(4 + len(r.Forecasts)).(*array.StringBuilder)
		for i := lo; i < hi; i++ {
			sensor.Append(r.Keys[i/H])
		}
	}
	return b.NewRecordBatch()
}

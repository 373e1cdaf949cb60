// Package forecast is the pure forecast stage: one partition's windowed
// micro-batch (window.Batch, after record decoding and window.Flush) through
// the model to forecasts (Stage.Apply), with each key's state in its window
// slot (Key), live scoring (Recent, LiveScores) and the checkpointed states
// (KeyState). It touches no Kafka, reads no clock (model steps are timed on
// Config.Now) and starts no goroutine; results go to an Emitter and
// measurements to an Observer. pipeline's partition worker owns one Stage
// per partition.
package forecast

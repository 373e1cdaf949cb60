// Package forecast is the pure forecast stage's code: what turns one
// partition's windowed rows into forecasts and scores them, with no Kafka,
// no clock reads and no goroutines of its own. It holds live scoring
// (Recent, a key's recent forecasts; LiveScores, one micro-batch's errors
// per horizon step); pipeline's model stage calls it.
package forecast

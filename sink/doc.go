// Package sink encodes forecasts and dead letters and writes them to Kafka.
//
// encode.go is pure: AppendForecast renders a Forecast as the output
// contract's JSON, deterministically (the same Forecast gives the same
// bytes, so a forecast written twice after a crash is a byte-identical
// duplicate consumers can drop), and DeadLetterHeaders builds a dead
// letter's headers as plain key/value pairs, independent of any client. The encoders are safe for concurrent use and keep no
// reference to their arguments.
//
// The writer (writer*.go) owns the kafka-go Writer; see its documentation
// for its concurrency contract.
package sink

// Package kafkaconn is how every Kafka client of rnncast reaches the
// brokers: it builds the TLS configuration and the SASL mechanism from
// kafka.tls and kafka.sasl once, hands them out as kafka-go Dialers and
// Transports (consumer group, fetchers, writers, admin and metadata calls,
// range readers all take one of these), and runs the start-up preflight that
// connects and authenticates before anything is consumed, naming the cause
// of a failure in plain words.
//
// A *Conn is immutable after New and safe for concurrent use; a nil *Conn
// is PLAINTEXT without SASL (kafka-go's defaults). The SASL password is
// held inside the mechanism only and is never part of an error, a log
// line or a printed value (String shows the mechanism and the user).
package kafkaconn

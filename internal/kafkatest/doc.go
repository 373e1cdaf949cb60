// Package kafkatest provides Kafka clusters to tests: an in-process kfake
// cluster (Kfake), the real Apache Kafka broker that scripts/test.sh starts
// (Real), a private real broker per test (StartBroker) and a private
// three-node replicated cluster (StartCluster, whose nodes a test stops and
// starts one by one); with helpers to create topics, produce, read back
// without a consumer group, look at offsets, name things uniquely, run kcat,
// and stop or restart a real broker.
//
// # Tiers
//
// Kfake is fast and always available. Real needs RNNCAST_KAFKA_BROKERS, which
// scripts/test.sh sets together with RNNCAST_REQUIRE_REAL=1; without the
// broker a test that calls Real is skipped, or fails when the real tier is
// required, so CI never skips it silently. StartBroker starts a broker of
// its own from scripts/kafka (about 10-15 s of a 2-core machine): use it when
// a test must stop, crash or restart a broker.
//
// # Sharing the real broker
//
// Every package's test binary may use the one real broker at the same time
// (go test runs packages in parallel). Names from Name keep their topics and
// groups apart. Real takes a shared lock on the broker's workdir for the rest
// of the test; Restart, Stop and Kill on that cluster take it exclusively,
// so they wait until no other test uses the broker, and other tests wait
// for the broker to be back. That wait can last minutes (the fault tests
// hold the broker that long) while the waiting test binary takes one of go
// test's -p slots: to stop or restart a broker, use StartBroker, which
// disturbs no one.
//
// # Concurrency
//
// A Cluster's methods take the calling test and fail it on error (t.Fatal);
// call them from the test's goroutine. Brokers and Addr are safe for
// concurrent use by any client.
package kafkatest

// Package ingest is rnncast's Kafka input: it joins the consumer group
// (kafka-go ConsumerGroup, whose generations expose partition assignments
// and offset commits) and fetches one assigned partition's records from its
// committed offset.
//
// # Concurrency
//
// A Group is used by one goroutine (the pipeline's Run); Close may be
// called from any goroutine. A Generation is shared by the workers of its
// partitions: Start and Commit are safe for concurrent use (commits are
// serialized). A Fetcher is owned by one worker goroutine; Close may be
// called once, by that owner, when it stops fetching.
package ingest

package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/rnncast/rnncast/config"
	"github.com/rnncast/rnncast/kafkaconn"
)

// kafkaFlags are the TLS and SASL flags of every subcommand that talks to
// Kafka (run, simulate, bench, backtest, train). addKafkaFlags registers
// them on a command's flag set in one line; they mirror kafka.tls and
// kafka.sasl of pipeline.yaml and, where a command reads a config file,
// override its values one by one.
type kafkaFlags struct {
	fs   *flag.FlagSet
	tls  config.TLS
	sasl config.SASL
}

// addKafkaFlags registers --tls, --tls-ca, --tls-cert, --tls-key,
// --tls-server-name, --tls-insecure-skip-verify, --sasl-mechanism,
// --sasl-username and --sasl-password-file on fs.
func addKafkaFlags(fs *flag.FlagSet) *kafkaFlags {
	k := &kafkaFlags{fs: fs}
	fs.BoolVar(&k.tls.Enabled, "tls", false, "speak TLS to the brokers (kafka.tls.enabled)")
	fs.StringVar(&k.tls.CAFile, "tls-ca", "", "PEM file of the CAs that sign the brokers' certificates (kafka.tls.ca_file; default: the system's roots)")
	fs.StringVar(&k.tls.CertFile, "tls-cert", "", "client certificate (PEM) for mutual TLS, with --tls-key (kafka.tls.cert_file)")
	fs.StringVar(&k.tls.KeyFile, "tls-key", "", "client private key (PEM) for mutual TLS (kafka.tls.key_file)")
	fs.StringVar(&k.tls.ServerName, "tls-server-name", "", "name the brokers' certificates must be valid for (kafka.tls.server_name; default: the host dialed)")
	fs.BoolVar(&k.tls.InsecureSkipVerify, "tls-insecure-skip-verify", false, "accept any broker certificate: encrypted, not authenticated; test clusters only (kafka.tls.insecure_skip_verify)")
	fs.StringVar(&k.sasl.Mechanism, "sasl-mechanism", "", "SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (kafka.sasl.mechanism; default: no SASL)")
	fs.StringVar(&k.sasl.Username, "sasl-username", "", "SASL user (kafka.sasl.username)")
	fs.StringVar(&k.sasl.PasswordFile, "sasl-password-file", "", "file holding the SASL password (kafka.sasl.password_file; default: $"+config.EnvKafkaPassword+")")
	return k
}

// apply overrides c's kafka.tls and kafka.sasl with the flags given on the
// command line; the others keep c's values. A nil k changes nothing.
func (k *kafkaFlags) apply(c *config.Kafka) {
	if k == nil {
		return
	}
	k.fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "tls":
			c.TLS.Enabled = k.tls.Enabled
		case "tls-ca":
			c.TLS.CAFile = k.tls.CAFile
		case "tls-cert":
			c.TLS.CertFile = k.tls.CertFile
		case "tls-key":
			c.TLS.KeyFile = k.tls.KeyFile
		case "tls-server-name":
			c.TLS.ServerName = k.tls.ServerName
		case "tls-insecure-skip-verify":
			c.TLS.InsecureSkipVerify = k.tls.InsecureSkipVerify
		case "sasl-mechanism":
			c.SASL.Mechanism = k.sasl.Mechanism
		case "sasl-username":
			c.SASL.Username = k.sasl.Username
		case "sasl-password-file":
			c.SASL.PasswordFile = k.sasl.PasswordFile
		}
	})
}

// set reports whether any of the flags was given.
func (k *kafkaFlags) set() bool {
	var c config.Kafka
	k.apply(&c)
	return c.TLS != (config.TLS{}) || c.SASL != (config.SASL{})
}

// connect builds the TLS and SASL of the flags alone (commands without a
// config file) and checks them against brokers: see connectKafka.
func (k *kafkaFlags) connect(ctx context.Context, brokers []string) (*kafkaconn.Conn, error) {
	var c config.Kafka
	k.apply(&c)
	c.Brokers = brokers
	return connectKafka(ctx, c)
}

// connectKafka builds the connection settings of c's kafka.tls and
// kafka.sasl (the password from its file or RNNCAST_KAFKA_PASSWORD) and runs
// the preflight: it connects to c.Brokers and authenticates before anything
// is consumed or produced, so that a wrong password, an unknown CA or the
// wrong listener fails the start with its cause.
func connectKafka(ctx context.Context, c config.Kafka) (*kafkaconn.Conn, error) {
	conn, err := kafkaconn.New(c.TLS, c.SASL, os.LookupEnv)
	if err != nil {
		return nil, err
	}
	if err := conn.Preflight(ctx, c.Brokers); err != nil {
		return nil, fmt.Errorf("rnncast: %w", err)
	}
	return conn, nil
}

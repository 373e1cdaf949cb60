#!/usr/bin/env bash
# Adds TLS and SASL listeners to a new test broker's properties; start.sh
# runs it when RNNCAST_KAFKA_SECURITY=1. It makes, with openssl, a CA, a broker
# certificate for 127.0.0.1 (SAN IP:127.0.0.1, DNS:localhost), a client
# certificate for mutual TLS and a second, unrelated CA (for wrong-CA tests),
# all under <workdir>/tls, and gives the broker, beside PLAINTEXT:
#   SASL_SSL  PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 (users: alice)
#   SCRAM512  a SASL_SSL listener that enables SCRAM-SHA-512 only
#   SSL       TLS with ssl.client.auth=required (mutual TLS, no SASL)
# The keystore and truststore are PEM (ssl.keystore.type=PEM, inline
# certificate chain and key). PLAIN users live in the listener's JAAS config;
# SCRAM users are added when start.sh formats the storage (--add-scram, the
# arguments this script writes to <workdir>/scram.args). It writes
# <workdir>/security.env, which start.sh appends to broker.env:
#   RNNCAST_KAFKA_SASL_SSL_BROKERS  RNNCAST_KAFKA_SCRAM512_BROKERS  RNNCAST_KAFKA_SSL_BROKERS
#   RNNCAST_KAFKA_TLS_CA  RNNCAST_KAFKA_TLS_OTHER_CA  RNNCAST_KAFKA_TLS_CLIENT_CERT
#   RNNCAST_KAFKA_TLS_CLIENT_KEY  RNNCAST_KAFKA_SASL_USER  RNNCAST_KAFKA_SASL_PASSWORD_FILE
#
#   scripts/kafka/security.sh <properties file in the workdir> <plaintext port> \
#       <controller port> <sasl_ssl port> <scram512 port> <ssl port>
set -euo pipefail
[ $# -eq 6 ] || { echo "usage: $0 <properties> <port> <controller port> <sasl_ssl port> <scram512 port> <ssl port>" >&2; exit 2; }
command -v openssl >/dev/null || { echo "security.sh: openssl not found (apt-get install openssl)" >&2; exit 1; }
props=$1 port=$2 cport=$3 sasl_port=$4 scram_port=$5 ssl_port=$6
workdir=$(cd "$(dirname "$props")" && pwd)
dir=$workdir/tls
user=alice
password=alice-secret-$RANDOM$RANDOM
mkdir -p "$dir"
umask 077

# key <name>: an unencrypted EC P-256 private key in PKCS#8 PEM (what the
# broker's PEM keystore reads).
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$1.key" 2>/dev/null; }
# ca <name> <subject>: a self-signed CA.
ca() {
	key "$1"
	openssl req -x509 -new -key "$dir/$1.key" -out "$dir/$1.pem" -days 30 -subj "$2" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
# leaf <name> <subject> <extensions>: a certificate signed by ca.
leaf() {
	key "$1"
	openssl req -new -key "$dir/$1.key" -out "$dir/$1.csr" -subj "$2" 2>/dev/null
	printf '%s\n' "$3" >"$dir/$1.ext"
	openssl x509 -req -in "$dir/$1.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
		-out "$dir/$1.pem" -days 30 -extfile "$dir/$1.ext" 2>/dev/null
}
ca ca "/CN=rnncast test CA"
ca other-ca "/CN=rnncast unrelated CA"
leaf broker "/CN=127.0.0.1" "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth,clientAuth"
leaf client "/CN=rnncast-client" "extendedKeyUsage=clientAuth"
printf '%s\n' "$password" >"$dir/$user.password"

# inline <file>: the file as one properties value, newlines escaped.
inline() { awk '{printf "%s\\n", $0}' "$1"; }

listeners="PLAINTEXT://127.0.0.1:$port,SASL_SSL://127.0.0.1:$sasl_port,SCRAM512://127.0.0.1:$scram_port,SSL://127.0.0.1:$ssl_port"
sed -i -e "s|^listeners=.*|listeners=$listeners,CONTROLLER://127.0.0.1:$cport|" \
	-e "s|^advertised.listeners=.*|advertised.listeners=$listeners|" \
	-e "s|^listener.security.protocol.map=.*|listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,SCRAM512:SASL_SSL,SSL:SSL|" \
	"$props"
scram="org.apache.kafka.common.security.scram.ScramLoginModule required;"
cat >>"$props" <<PROPS

# TLS and SASL listeners (scripts/kafka/security.sh). The inter-broker and
# controller listeners stay PLAINTEXT.
ssl.keystore.type=PEM
ssl.keystore.certificate.chain=$(inline "$dir/broker.pem")
ssl.keystore.key=$(inline "$dir/broker.key")
ssl.truststore.type=PEM
ssl.truststore.certificates=$(inline "$dir/ca.pem")
listener.name.ssl.ssl.client.auth=required
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$user="$password";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=$scram
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=$scram
listener.name.scram512.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.scram512.scram-sha-512.sasl.jaas.config=$scram
PROPS

printf '%s\n' "--add-scram" "SCRAM-SHA-256=[name=$user,password=$password]" \
	"--add-scram" "SCRAM-SHA-512=[name=$user,password=$password]" >"$workdir/scram.args"
cat >"$workdir/security.env" <<ENV
RNNCAST_KAFKA_SASL_SSL_BROKERS=127.0.0.1:$sasl_port
RNNCAST_KAFKA_SCRAM512_BROKERS=127.0.0.1:$scram_port
RNNCAST_KAFKA_SSL_BROKERS=127.0.0.1:$ssl_port
RNNCAST_KAFKA_TLS_CA=$dir/ca.pem
RNNCAST_KAFKA_TLS_OTHER_CA=$dir/other-ca.pem
RNNCAST_KAFKA_TLS_CLIENT_CERT=$dir/client.pem
RNNCAST_KAFKA_TLS_CLIENT_KEY=$dir/client.key
RNNCAST_KAFKA_SASL_USER=$user
RNNCAST_KAFKA_SASL_PASSWORD_FILE=$dir/$user.password
ENV

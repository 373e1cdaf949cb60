package lint

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// bareClient matches a kafka-go Transport or Dialer built by hand: it would
// speak PLAINTEXT whatever kafka.tls and kafka.sasl say.
var bareClient = regexp.MustCompile(`kafka\.(Transport|Dialer)\{`)

// TestOneKafkaConnection fails when code outside kafkaconn (and the test
// helpers) builds its own kafka-go Transport or Dialer instead of taking
// kafkaconn's, which carry the TLS and SASL settings.
func TestOneKafkaConnection(t *testing.T) {
	if !bareClient.MatchString("tr := &kafka.Transport{}") || bareClient.MatchString("tr := conn.Transport()") {
		t.Fatal("the pattern does not tell a bare Transport from kafkaconn's")
	}
	allowed := []string{"kafkaconn", filepath.Join("internal", "kafkatest")}
	goCode := func(rel string) bool { return strings.HasSuffix(rel, ".go") && !strings.HasSuffix(rel, "_test.go") }
	scanLines(t, bareClient, func(rel string) bool { return matches(rel, allowed) }, goCode, 50,
		func(rel string, line int, text string) {
			t.Errorf("%s:%d builds a kafka-go client connection by hand (use kafkaconn.Conn's Dialer or Transport, or kafkaconn.TransportOf): %s",
				rel, line, text)
		})
}

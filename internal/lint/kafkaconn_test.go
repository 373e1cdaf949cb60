package lint

import (
	"io/fs"
	"os"
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
	root := "../.."
	allowed := []string{"kafkaconn", filepath.Join("internal", "kafkatest")}
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && path != root || matches(rel, allowed) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for i, line := range strings.Split(string(b), "\n") {
			if bareClient.MatchString(line) {
				t.Errorf("%s:%d builds a kafka-go client connection by hand (use kafkaconn.Conn's Dialer or Transport, or kafkaconn.TransportOf): %s",
					rel, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked %d files, want the whole module", checked)
	}
	if !bareClient.MatchString("tr := &kafka.Transport{}") || bareClient.MatchString("tr := conn.Transport()") {
		t.Fatal("the pattern does not tell a bare Transport from kafkaconn's")
	}
}

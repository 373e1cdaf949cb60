package faulttest

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain removes the built binary's directory after the tests and checks
// that no goroutine is left behind.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			os.Stderr.WriteString("faulttest: leaked goroutines: " + err.Error() + "\n")
			code = 1
		}
	}
	os.Exit(code)
}

package deploy_test

import (
	"fmt"
	"os"
	"testing"
)

// binDir holds binaries the tests build; TestMain removes it.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rnncast-deploy-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "deploy tests: cannot create a temporary directory:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

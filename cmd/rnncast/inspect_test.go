package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rnncast/rnncast/model"
)

const courseNet = "../../model/testdata/golden/course_net.safetensors"

func TestInspectText(t *testing.T) {
	m, err := model.Load(courseNet)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"inspect", courseNet}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"architecture: seq2vec, 2-layer rnn (tanh), hidden 32, 1 input (target 0), window 24, horizon 1\n",
		"parameters:   3265\n", // nn.RNN(1, 32, 2) + nn.Linear(32, 1)
		"fingerprint:  " + m.Fingerprint() + "\n",
		"  hidden_size     32\n",
		"  name            course_net\n",
		"  rnn.weight_hh_l1       [32 32]\n",
		"  fc.weight              [1 32]\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestInspectJSON(t *testing.T) {
	path := "../../model/testdata/golden/encdec_gru_l1_f3_h4.safetensors"
	var stdout, stderr bytes.Buffer
	if code := run([]string{"inspect", "--json", path}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	var got inspection
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout.String())
	}
	m, err := model.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Fingerprint != m.Fingerprint() || got.Parameters != m.ParamCount() || got.Metadata["arch"] != "encdec" {
		t.Errorf("got fingerprint %s, %d parameters, arch %q; want %s, %d, encdec",
			got.Fingerprint, got.Parameters, got.Metadata["arch"], m.Fingerprint(), m.ParamCount())
	}
	if n := len(got.Tensors); n != 2*4+2 {
		t.Errorf("got %d tensors, want 10 (encoder and decoder of one layer, head)", n)
	}
}

func TestInspectFails(t *testing.T) {
	data, err := os.ReadFile(courseNet)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(t.TempDir(), "truncated.safetensors")
	if err := os.WriteFile(truncated, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stdout string // a substring of stdout
		stderr string // a substring of stderr
	}{
		{"help", []string{"inspect", "--help"}, 0, "Usage: rnncast inspect", ""},
		{"no model", []string{"inspect"}, 2, "", "want one model file, got 0"},
		{"two models", []string{"inspect", courseNet, courseNet}, 2, "", "got 2"},
		{"unknown flag", []string{"inspect", "--bogus", courseNet}, 2, "", "-bogus"},
		{"absent file", []string{"inspect", "absent.safetensors"}, 1, "", "no such file"},
		{"truncated file", []string{"inspect", truncated}, 1, "", "bad data offsets"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(c.args, &stdout, &stderr)
			if code != c.code || !strings.Contains(stdout.String(), c.stdout) || !strings.Contains(stderr.String(), c.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
					code, stdout.String(), stderr.String(), c.code, c.stdout, c.stderr)
			}
		})
	}
}

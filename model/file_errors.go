package model

import (
	"errors"
	"fmt"
)

// The kinds of model-file problems. A *FormatError wraps exactly one of
// them, so callers branch with errors.Is(err, model.ErrShape) and read the
// details with errors.As.
var (
	// ErrTruncated: the file ends before its header length or its header.
	ErrTruncated = errors.New("truncated file")
	// ErrHeader: the JSON header is malformed or too large.
	ErrHeader = errors.New("malformed header")
	// ErrOffsets: a tensor's data_offsets are out of range, overlap another
	// tensor's, leave a gap, or do not match its shape and dtype.
	ErrOffsets = errors.New("bad data offsets")
	// ErrDType: a tensor has a dtype rnncast cannot read.
	ErrDType = errors.New("unsupported dtype")
	// ErrMissingTensor: a tensor the architecture needs is absent.
	ErrMissingTensor = errors.New("missing tensor")
	// ErrUnexpectedTensor: the file holds a tensor the architecture does not
	// use (often metadata that contradicts the tensors, e.g. layers).
	ErrUnexpectedTensor = errors.New("unexpected tensor")
	// ErrShape: a tensor's shape differs from what the metadata implies.
	ErrShape = errors.New("wrong shape")
	// ErrNonFinite: a weight is NaN or infinite (in float32).
	ErrNonFinite = errors.New("non-finite weight")
	// ErrMetadata: a __metadata__ entry is missing, malformed or out of range.
	ErrMetadata = errors.New("bad metadata")
)

// FormatError reports why a model file cannot be used. Tensor names the
// tensor at fault and Key the metadata key at fault; both are empty when the
// problem concerns the file as a whole.
type FormatError struct {
	Kind    error  // one of the Err* kinds above.
	Tensor  string // state_dict name, e.g. "rnn.weight_hh_l1".
	Key     string // __metadata__ key, e.g. "hidden_size".
	Problem string // what is wrong, with expected and found values.
}

// Error returns "model: bad model file: <where>: <problem>".
func (e *FormatError) Error() string {
	switch {
	case e.Tensor != "":
		return fmt.Sprintf("model: bad model file: %v: tensor %q: %s", e.Kind, e.Tensor, e.Problem)
	case e.Key != "":
		return fmt.Sprintf("model: bad model file: %v: metadata %q: %s", e.Kind, e.Key, e.Problem)
	}
	return fmt.Sprintf("model: bad model file: %v: %s", e.Kind, e.Problem)
}

// Unwrap returns the error's Kind.
func (e *FormatError) Unwrap() error { return e.Kind }

// tensorErr returns a *FormatError about one tensor.
func tensorErr(kind error, name, format string, args ...any) error {
	return &FormatError{Kind: kind, Tensor: name, Problem: fmt.Sprintf(format, args...)}
}

// metaErr returns a *FormatError about one metadata key.
func metaErr(key, format string, args ...any) error {
	return &FormatError{Kind: ErrMetadata, Key: key, Problem: fmt.Sprintf(format, args...)}
}

// fileErr returns a *FormatError about the file as a whole.
func fileErr(kind error, format string, args ...any) error {
	return &FormatError{Kind: kind, Problem: fmt.Sprintf(format, args...)}
}

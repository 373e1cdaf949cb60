package model

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/rnncast/rnncast/scale"
)

// FormatVersion is the version of rnncast's model-file layout that Encode
// writes as metadata "format_version"; Decode accepts files without the key
// (plain PyTorch exports) or with this value.
const FormatVersion = "1"

// Bounds on metadata sizes. They keep a corrupt or hostile header from
// driving shape arithmetic into overflow; real models are far smaller.
const (
	maxDim    = 1 << 16 // hidden_size, input_size, horizon
	maxLayers = 64
	maxWindow = 1 << 24
)

// fileMeta is the decoded __metadata__: the Meta plus keys that only
// matter while decoding.
type fileMeta struct {
	Meta
	bias bool // false: the file has no bias tensors; they are zeros.
}

// parseMeta decodes and validates the __metadata__ map. Unknown keys are
// ignored, so files from newer writers or with extra notes still load.
func parseMeta(kv map[string]string) (fileMeta, error) {
	var fm fileMeta
	if v, ok := kv["format_version"]; ok && v != FormatVersion {
		return fm, metaErr("format_version", "version %q is not supported (this build reads %q)", v, FormatVersion)
	}
	err := parseShapeKeys(kv, &fm.Meta)
	if err == nil {
		err = parseServingKeys(kv, &fm.Meta)
	}
	if err == nil {
		fm.bias, err = parseBias(kv)
	}
	fm.Name, fm.Version, fm.TargetName = kv["name"], kv["version"], kv["target_name"]
	return fm, err
}

// parseShapeKeys decodes the keys that determine the tensors' shapes.
func parseShapeKeys(kv map[string]string, m *Meta) (err error) {
	if m.Arch, err = parseArch(kv); err != nil {
		return err
	}
	if m.Cell, m.Nonlinearity, err = parseCell(kv); err != nil {
		return err
	}
	if m.Layers, err = intKey(kv, "layers", 1, maxLayers, true, 0); err != nil {
		return err
	}
	if m.Hidden, err = intKey(kv, "hidden_size", 1, maxDim, true, 0); err != nil {
		return err
	}
	if m.Inputs, err = intKey(kv, "input_size", 1, maxDim, true, 0); err != nil {
		return err
	}
	m.Horizon, err = intKey(kv, "horizon", 1, maxDim, true, 0)
	return err
}

// parseServingKeys decodes the keys serving needs beyond the shapes.
func parseServingKeys(kv map[string]string, m *Meta) (err error) {
	if m.Target, err = intKey(kv, "target", 0, m.Inputs-1, false, 0); err != nil {
		return err
	}
	if m.Window, err = intKey(kv, "window", 1, maxWindow, true, 0); err != nil {
		return err
	}
	if m.Interval, err = parseInterval(kv); err != nil {
		return err
	}
	if m.Mean, err = floatsKey(kv, "mean", m.Inputs, false); err != nil {
		return err
	}
	if m.Std, err = floatsKey(kv, "std", m.Inputs, true); err != nil {
		return err
	}
	if m.Norm, err = parseNorm(kv); err != nil {
		return err
	}
	if m.Mode, err = parseMode(kv); err != nil {
		return err
	}
	if err := parseHighway(kv, m); err != nil {
		return err
	}
	return parseScaling(kv, m)
}

// parseHighway decodes "highway": the window's most recent target values a
// linear highway reads (absent or 0: none); seq2vec in window mode, at most
// the window.
func parseHighway(kv map[string]string, m *Meta) (err error) {
	if m.Highway, err = intKey(kv, "highway", 0, m.Window, false, 0); err != nil {
		return err
	}
	if m.Highway > 0 && (archOf(m.Arch) != ArchSeq2Vec || m.Mode != "window") {
		return metaErr("highway", "a highway needs arch seq2vec and mode window (arch %s, mode %q)", archOf(m.Arch), m.Mode)
	}
	return nil
}

// parseScaling decodes "scaling" and "scaling_half_life" and checks them
// against the serving mode: window scaling needs windows, sensor scaling a
// carried state.
func parseScaling(kv map[string]string, m *Meta) error {
	sc, err := scale.ParseMode(kv["scaling"])
	if err != nil {
		return metaErr("scaling", "%q is not global, window or sensor", kv["scaling"])
	}
	if sc != scale.Global {
		m.Scaling = sc // the zero value is Global, so that Metas compare equal
	}
	hl, ok := kv["scaling_half_life"]
	switch {
	case sc == scale.Window && m.Mode != "window":
		return metaErr("scaling", "window scaling needs mode window, mode is %q", m.Mode)
	case sc == scale.Sensor && m.Mode != "stateful":
		return metaErr("scaling", "sensor scaling needs mode stateful, mode is %q", m.Mode)
	case sc != scale.Global && (len(m.Mean) > 0 || len(m.Std) > 0):
		return metaErr("scaling", "%s scaling takes no mean or std", sc)
	case sc != scale.Sensor && ok && hl != "" && hl != "0":
		return metaErr("scaling_half_life", "applies to sensor scaling only, scaling is %s", sc)
	case sc != scale.Sensor:
		return nil
	case !ok:
		return metaErr("scaling_half_life", "required with sensor scaling")
	}
	v, err := strconv.ParseFloat(hl, 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) {
		return metaErr("scaling_half_life", "%q is not a positive number of readings", hl)
	}
	m.HalfLife = v
	return nil
}

func parseArch(kv map[string]string) (Arch, error) {
	switch a := Arch(kv["arch"]); a {
	case "":
		return ArchSeq2Vec, nil
	case ArchSeq2Vec, ArchSeq2Seq, ArchEncDec, ArchVec2Seq:
		return a, nil
	default:
		return "", metaErr("arch", "%q is not one of seq2vec, seq2seq, encdec, vec2seq", string(a))
	}
}

func parseCell(kv map[string]string) (Cell, string, error) {
	c, ok := kv["cell"]
	if !ok {
		return "", "", metaErr("cell", "required key is missing")
	}
	cell := Cell(c)
	if cell != CellRNN && cell != CellLSTM && cell != CellGRU {
		return "", "", metaErr("cell", "%q is not one of rnn, lstm, gru", c)
	}
	nl := kv["nonlinearity"]
	switch {
	case nl == "":
		nl = "tanh"
	case nl != "tanh" && nl != "relu":
		return "", "", metaErr("nonlinearity", "%q is not tanh or relu", nl)
	case nl == "relu" && cell != CellRNN:
		return "", "", metaErr("nonlinearity", "relu applies to cell rnn only, cell is %q", c)
	}
	return cell, nl, nil
}

// intKey parses an integer key within [lo, hi]; absent keys are an error
// when required and def otherwise.
func intKey(kv map[string]string, key string, lo, hi int, required bool, def int) (int, error) {
	v, ok := kv[key]
	if !ok {
		if required {
			return 0, metaErr(key, "required key is missing")
		}
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, metaErr(key, "%q is not an integer", v)
	}
	if n < lo || n > hi {
		return 0, metaErr(key, "%d is out of range [%d, %d]", n, lo, hi)
	}
	return n, nil
}

func parseInterval(kv map[string]string) (time.Duration, error) {
	v, ok := kv["interval"]
	if !ok || v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, metaErr("interval", "%q is not a non-negative Go duration such as \"1h\"", v)
	}
	return d, nil
}

// floatsKey parses a JSON array of n finite numbers (positive when
// positive is set). An absent key means no scaling: nil.
func floatsKey(kv map[string]string, key string, n int, positive bool) ([]float64, error) {
	v, ok := kv[key]
	if !ok || v == "" {
		return nil, nil
	}
	var xs []float64
	if err := json.Unmarshal([]byte(v), &xs); err != nil {
		return nil, metaErr(key, "%q is not a JSON array of numbers", v)
	}
	if len(xs) != n {
		return nil, metaErr(key, "has %d values, input_size is %d", len(xs), n)
	}
	for i, x := range xs {
		if math.IsInf(x, 0) || (positive && x <= 0) {
			return nil, metaErr(key, "value %d (%v) is out of range", i, x)
		}
	}
	return xs, nil
}

func parseNorm(kv map[string]string) (Norm, error) {
	switch n := Norm(kv["norm"]); n {
	case "":
		return NormNone, nil
	case NormNone, NormLast:
		return n, nil
	default:
		return "", metaErr("norm", "%q is not none or last", string(n))
	}
}

func parseMode(kv map[string]string) (string, error) {
	switch m := kv["mode"]; m {
	case "":
		return "window", nil
	case "window", "stateful":
		return m, nil
	default:
		return "", metaErr("mode", "%q is not window or stateful", m)
	}
}

func parseBias(kv map[string]string) (bool, error) {
	switch b := kv["bias"]; b {
	case "", "true":
		return true, nil
	case "false":
		return false, nil
	default:
		return false, metaErr("bias", "%q is not true or false", b)
	}
}

// Metadata returns the __metadata__ map that Encode writes for m: every key
// that docs/design/model-format.md defines, with defaults filled in.
func (m *Model) Metadata() map[string]string {
	meta := &m.Meta
	kv := map[string]string{
		"format_version": FormatVersion,
		"arch":           string(archOf(meta.Arch)),
		"cell":           string(meta.Cell),
		"nonlinearity":   nonlinearityOf(meta),
		"layers":         strconv.Itoa(meta.Layers),
		"hidden_size":    strconv.Itoa(meta.Hidden),
		"input_size":     strconv.Itoa(meta.Inputs),
		"target":         strconv.Itoa(meta.Target),
		"window":         strconv.Itoa(meta.Window),
		"horizon":        strconv.Itoa(meta.Horizon),
		"interval":       formatInterval(meta.Interval),
		"mean":           formatFloats(meta.Mean, 0, meta.Inputs),
		"std":            formatFloats(meta.Std, 1, meta.Inputs),
		"norm":           string(normOf(meta.Norm)),
		"mode":           modeOf(meta.Mode),
		"bias":           "true",
		"name":           meta.Name,
		"version":        meta.Version,
	}
	if meta.TargetName != "" {
		kv["target_name"] = meta.TargetName
	}
	kv["scaling"] = string(scalingOf(meta.Scaling))
	if scalingOf(meta.Scaling) != scale.Global {
		delete(kv, "mean") // the statistics are the window's or the sensor's
		delete(kv, "std")
	}
	if meta.Scaling == scale.Sensor {
		kv["scaling_half_life"] = strconv.FormatFloat(meta.HalfLife, 'g', -1, 64)
	}
	if meta.Highway > 0 {
		kv["highway"] = strconv.Itoa(meta.Highway)
	}
	return kv
}

func nonlinearityOf(meta *Meta) string {
	if meta.Nonlinearity == "" {
		return "tanh"
	}
	return meta.Nonlinearity
}

func scalingOf(s scale.Mode) scale.Mode {
	if s == "" {
		return scale.Global
	}
	return s
}

func modeOf(mode string) string {
	if mode == "" {
		return "window"
	}
	return mode
}

// formatInterval writes a duration the short way: "1h", "15m", "1h30m".
func formatInterval(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// formatFloats writes xs as a JSON array, or n copies of def when xs is
// empty, with the shortest representation that round-trips.
func formatFloats(xs []float64, def float64, n int) string {
	if len(xs) == 0 {
		xs = make([]float64, n)
		for i := range xs {
			xs[i] = def
		}
	}
	b := []byte{'['}
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, x, 'g', -1, 64)
	}
	return string(append(b, ']'))
}

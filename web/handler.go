package web

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"strconv"
	"time"
)

//go:embed assets
var assets embed.FS

// Handler returns the view's HTTP handler:
//
//	GET /              the page
//	GET /static/...    its script and style sheet
//	GET /api/summary   statistics (summaryView)
//	GET /api/sensors   ?q=substring&limit=n: sensors matching q, by id
//	GET /api/sensor    ?id=sensor[&since=seq&fseq=n]: one sensor's history
//	GET /events        ?sensor=id[&since=seq&fseq=n]: Server-Sent Events,
//	                   "summary" every SummaryEvery, "sensor" on updates
//
// The page uses relative URLs, so the handler may be mounted under a prefix
// with http.StripPrefix.
func (h *Hub) Handler() http.Handler {
	static, err := fs.Sub(assets, "assets")
	if err != nil {
		panic("web: embedded assets missing: " + err.Error()) // a build bug
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, static, "index.html")
	})
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /api/summary", h.serveSummary)
	mux.HandleFunc("GET /api/sensors", h.serveSensors)
	mux.HandleFunc("GET /api/sensor", h.serveSensor)
	mux.HandleFunc("GET /events", h.serveEvents)
	return mux
}

func (h *Hub) serveSummary(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, h.summary(time.Now()))
}

func (h *Hub) serveSensors(w http.ResponseWriter, r *http.Request) {
	limit := h.cfg.ListLimit
	if n, err := strconv.Atoi(r.FormValue("limit")); err == nil && n > 0 && n < limit {
		limit = n
	}
	writeJSON(w, h.list(r.FormValue("q"), limit))
}

func (h *Hub) serveSensor(w http.ResponseWriter, r *http.Request) {
	since, fseq := cursors(r)
	v, ok := h.sensorView(r.FormValue("id"), since, fseq)
	if !ok {
		http.Error(w, "web: no such sensor", http.StatusNotFound)
		return
	}
	writeJSON(w, v)
}

// cursors reads the since and fseq query parameters; absent or invalid
// ones are 0, which asks for everything.
func cursors(r *http.Request) (since, fseq uint64) {
	since, _ = strconv.ParseUint(r.FormValue("since"), 10, 64)
	fseq, _ = strconv.ParseUint(r.FormValue("fseq"), 10, 64)
	return since, fseq
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	// An error here is the client going away; there is no one to tell.
	_ = json.NewEncoder(w).Encode(v)
}

package main

import (
	"net/http"
	"strings"
)

// controlHandler is the tests' window into the simulator (plain HTTP on
// 127.0.0.1; see scripts/e2e/cluster.ts):
//
//	GET    /healthz
//	GET    /freezes          {"calls": [freezeCall...], "frozen": ["ns/name"...]}
//	DELETE /freezes          forget the recorded calls (not the frozen state)
//	GET    /uploads          [upload...]
//	GET    /volumes/<key>    {"key","size","sha256"} of a volume's current bytes;
//	                         key is pvc/<ns>/<name> or volumesnapshot/<ns>/<name>;
//	                         a filesystem volume adds "files": [{"path","size","sha256"}...]
//	GET    /served[?namespace=<ns>]  requests and body bytes the export server served per volume and file
func (s *simulator) controlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	mux.HandleFunc("GET /freezes", func(w http.ResponseWriter, r *http.Request) {
		calls, frozen := s.freezes.snapshot()
		writeJSON(w, http.StatusOK, map[string]any{"calls": orEmptyCalls(calls), "frozen": frozen})
	})
	mux.HandleFunc("DELETE /freezes", func(w http.ResponseWriter, r *http.Request) {
		s.freezes.reset()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /uploads", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.uploads.list())
	})
	mux.Handle("GET /served", s.servedHandler())
	mux.HandleFunc("GET /volumes/", func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.URL.Path, "/volumes/")
		data := s.volumes.read(key)
		out := map[string]any{"key": key, "size": len(data), "sha256": sha256Hex(data)}
		if s.isFilesystemKey(key) {
			files, err := filesOf(data)
			if err != nil {
				// What a disk image upload left on a filesystem claim: bytes, no files.
				files = []fileDigest{}
				out["filesError"] = err.Error()
			}
			out["files"] = files
		}
		writeJSON(w, http.StatusOK, out)
	})
	return mux
}

func orEmptyCalls(c []freezeCall) []freezeCall {
	if c == nil {
		return []freezeCall{}
	}
	return c
}

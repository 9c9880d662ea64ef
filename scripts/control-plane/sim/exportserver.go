package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/subtle"
	"fmt"
	"html"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

var (
	// External links: one host (virt-exportproxy's), the export in the path.
	externalPath = regexp.MustCompile(`^/api/export\.kubevirt\.io/v1(?:beta1)?/namespaces/([^/]+)/virtualmachineexports/([^/]+)(/.*)$`)
	// Internal links: the export's own Service host, virt-export-<name>.<ns>.svc.
	internalHost = regexp.MustCompile(`^virt-export-([^.]+)\.([^.]+)\.svc(?::\d+)?$`)
)

// exportHandler serves volume data like virt-exportserver behind
// virt-exportproxy: it requires the export's token in the
// x-kubevirt-export-token header (or query parameter of the same name).
//
// Switches (on the export): fail "download" -> 500 for volume data. The
// annotation sim.kvbackup.test/download-rate: "<bytes per second>" on the
// export, its source or the source snapshot's VM slows every volume response
// to that rate (per request), so tests can interrupt a transfer midway.
func (s *simulator) exportHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ns, name, rest string
		if m := externalPath.FindStringSubmatch(r.URL.Path); m != nil {
			ns, name, rest = m[1], m[2], m[3]
		} else if m := internalHost.FindStringSubmatch(r.Host); m != nil {
			name, ns, rest = m[1], m[2], r.URL.Path
		} else {
			http.NotFound(w, r)
			return
		}
		exp := s.cache.get(gvrVMExport, ns, name)
		if exp == nil || str(exp.Object, "status", "phase") != "Ready" {
			http.Error(w, "export not ready", http.StatusNotFound)
			return
		}
		given := r.Header.Get("x-kubevirt-export-token")
		if given == "" {
			given = r.URL.Query().Get("x-kubevirt-export-token")
		}
		if !s.exportTokens.check(given, ns, str(exp.Object, "status", "tokenSecretRef"), func() string {
			return s.exportToken(r.Context(), ns, str(exp.Object, "status", "tokenSecretRef"))
		}) {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		parts := strings.SplitN(strings.TrimPrefix(rest, "/"), "/", 3)
		switch {
		case len(parts) == 3 && parts[0] == "volumes":
			if failing("download", exp) {
				http.Error(w, "simulated export server failure", http.StatusInternalServerError)
				return
			}
			if rate := s.downloadRate(exp); rate > 0 {
				w = &throttledWriter{ResponseWriter: w, rate: rate, start: time.Now()}
			}
			s.serveVolume(w, r, ns, name, parts[1], parts[2])
		case len(parts) == 3 && parts[1] == "manifests" && (parts[0] == "internal" || parts[0] == "external"):
			s.serveManifest(w, r, exp, parts[0], parts[2], given) // given is the token: it passed the check
		default:
			http.NotFound(w, r)
		}
	})
}

// tokenCache keeps each export's token for a moment, as virt-exportserver
// has it at hand: it reads the token file its pod mounts from the Secret
// (getToken in pkg/storage/export/virt-exportserver/exportserver.go), a local
// read per request that the kubelet refreshes in the background. Asking the
// apiserver for the Secret on every Range request instead would cost a round
// trip and the apiserver's CPU per chunk, and the simulator's client-side rate
// limit would cap Range downloads. A token that does not match is fetched
// again at once, so a new or replaced Secret takes effect immediately.
type tokenCache struct {
	mu     sync.Mutex
	tokens map[string]cachedToken
}

type cachedToken struct {
	token string
	at    time.Time
}

// tokenCacheTTL is how long a token that matched is trusted without asking the
// apiserver again (the kubelet takes longer to refresh a mounted Secret).
const tokenCacheTTL = 2 * time.Second

// check reports whether given is the token of the Secret ns/secretName, read
// through fetch unless a matching token was read within tokenCacheTTL.
func (c *tokenCache) check(given, ns, secretName string, fetch func() string) bool {
	key := ns + "/" + secretName
	c.mu.Lock()
	cached, ok := c.tokens[key]
	c.mu.Unlock()
	matches := func(token string) bool {
		return token != "" && subtle.ConstantTimeCompare([]byte(given), []byte(token)) == 1
	}
	if ok && time.Since(cached.at) < tokenCacheTTL && matches(cached.token) {
		return true
	}
	token := fetch()
	c.mu.Lock()
	if c.tokens == nil {
		c.tokens = map[string]cachedToken{}
	}
	c.tokens[key] = cachedToken{token: token, at: time.Now()}
	c.mu.Unlock()
	return matches(token)
}

func (s *simulator) exportToken(ctx context.Context, ns, secretName string) string {
	sec, err := s.fetch(ctx, gvrSecret, ns, secretName)
	if err != nil || sec == nil {
		return ""
	}
	return decodeSecretValue(str(sec.Object, "data", "token"))
}

// serveVolume serves one volume file as virt-exportserver does
// (pkg/storage/export/virt-exportserver/exportserver.go): fileHandler hands
// the raw image to http.ServeContent with a zero modification time, which
// answers Range requests with 206, Content-Range and Content-Length;
// gzipHandler and archiveHandler stream a body compressed on the fly (no
// Content-Length, no Range) and answer other methods than GET with 400. Every
// body byte written is counted per export volume and format (GET /served).
func (s *simulator) serveVolume(w http.ResponseWriter, r *http.Request, ns, name, volume, file string) {
	v, ok := s.exportVolumes.get(ns, name, volume)
	if !ok {
		http.NotFound(w, r)
		return
	}
	streamed := file == "disk.img.gz" || file == "disk.tar.gz"
	if streamed && r.Method != http.MethodGet {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	counted := &countingWriter{ResponseWriter: w}
	defer func() { s.served.add(servedKey{ns, name, volume, v.Key, file}, counted.n) }()
	w = counted
	data := s.volumes.read(v.Key)
	modTime := time.Time{}
	switch {
	case file == "disk.img" && !v.Archive:
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, r, "disk.img", modTime, bytes.NewReader(data)) // handles Range
	case file == "disk.img.gz" && !v.Archive:
		w.Header().Set("Content-Type", "application/gzip")
		gz := gzip.NewWriter(w)
		gz.Write(data)
		gz.Close()
	case file == "disk.tar.gz" && v.Archive:
		// archiveHandler: the claim's files as `tar Scv .` writes them, gzipped.
		w.Header().Set("Content-Type", "application/gzip")
		gz := gzip.NewWriter(w)
		gz.Write(data)
		gz.Close()
	case (file == "dir" || file == "dir/") && v.Archive:
		// dirHandler: http.FileServer's listing of the mount point.
		files, _ := filesOf(data)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<pre>\n")
		for _, f := range files {
			fmt.Fprintf(w, "<a href=\"%s\">%s</a>\n", html.EscapeString(f.Path), html.EscapeString(f.Path))
		}
		fmt.Fprintf(w, "</pre>\n")
	case strings.HasPrefix(file, "dir/") && v.Archive:
		content, ok := fileIn(data, strings.TrimPrefix(file, "dir/"))
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, r, path.Base(file), modTime, bytes.NewReader(content))
	default:
		http.NotFound(w, r)
	}
}

// countingWriter counts the body bytes a handler writes.
type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.ResponseWriter.Write(b)
	c.n += int64(n)
	return n, err
}

// servedKey names what a volume request served: the export volume, the
// volume store key its bytes come from, and the file (disk.img, disk.img.gz,
// disk.tar.gz, dir/<file>).
type servedKey struct {
	Namespace, Export, Volume, Key, File string
}

// servedCounter counts requests and body bytes served per export volume and
// file, so tests and benchmarks can measure what a client transferred.
type servedCounter struct {
	mu     sync.Mutex
	counts map[servedKey]*servedCount
}

type servedCount struct {
	Requests int64 `json:"requests"`
	Bytes    int64 `json:"bytes"`
}

func (c *servedCounter) add(k servedKey, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[servedKey]*servedCount{}
	}
	cur := c.counts[k]
	if cur == nil {
		cur = &servedCount{}
		c.counts[k] = cur
	}
	cur.Requests++
	cur.Bytes += n
}

// servedHandler: GET /served[?namespace=<ns>] lists the counts, sorted.
func (s *simulator) servedHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ns := r.URL.Query().Get("namespace")
		s.served.mu.Lock()
		out := []map[string]any{}
		for k, c := range s.served.counts {
			if ns != "" && k.Namespace != ns {
				continue
			}
			out = append(out, map[string]any{"namespace": k.Namespace, "export": k.Export, "volume": k.Volume,
				"key": k.Key, "file": k.File, "requests": c.Requests, "bytes": c.Bytes})
		}
		s.served.mu.Unlock()
		sort.Slice(out, func(i, j int) bool {
			a, b := out[i], out[j]
			return fmt.Sprint(a["namespace"], "/", a["export"], "/", a["volume"], "/", a["file"]) < fmt.Sprint(b["namespace"], "/", b["export"], "/", b["volume"], "/", b["file"])
		})
		writeJSON(w, http.StatusOK, out)
	})
}

const annDownloadRate = "sim.kvbackup.test/download-rate"

// downloadRate is the bytes per second an export's volume responses are held
// to, from the export, its source, or the VM of a source snapshot; 0: no limit.
func (s *simulator) downloadRate(exp *unstructured.Unstructured) int64 {
	src := obj(exp.Object, "spec", "source")
	objs := []*unstructured.Unstructured{exp, s.exportSourceObject(exp.GetNamespace(), str(src, "kind"), str(src, "name"))}
	if snap := objs[1]; snap != nil && str(src, "kind") == "VirtualMachineSnapshot" {
		objs = append(objs, s.cache.get(gvrVM, exp.GetNamespace(), str(snap.Object, "spec", "source", "name")))
	}
	for _, o := range objs {
		if o == nil {
			continue
		}
		if n, err := strconv.ParseInt(o.GetAnnotations()[annDownloadRate], 10, 64); err == nil && n > 0 {
			return n
		}
	}
	return 0
}

// throttledWriter sleeps as it writes so that the body goes out at rate
// bytes per second.
type throttledWriter struct {
	http.ResponseWriter
	rate    int64
	start   time.Time
	written int64
}

func (t *throttledWriter) Write(b []byte) (int, error) {
	n, err := t.ResponseWriter.Write(b)
	t.written += int64(n)
	if due := time.Duration(float64(t.written) / float64(t.rate) * float64(time.Second)); due > time.Since(t.start) {
		time.Sleep(due - time.Since(t.start))
	}
	return n, err
}

package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
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
// Switches (on the export): fail "download" -> 500 for volume data.
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
		token := s.exportToken(r.Context(), ns, str(exp.Object, "status", "tokenSecretRef"))
		given := r.Header.Get("x-kubevirt-export-token")
		if given == "" {
			given = r.URL.Query().Get("x-kubevirt-export-token")
		}
		if token == "" || subtle.ConstantTimeCompare([]byte(given), []byte(token)) != 1 {
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
			s.serveVolume(w, r, ns, name, parts[1], parts[2])
		case len(parts) == 3 && parts[1] == "manifests" && (parts[0] == "internal" || parts[0] == "external"):
			s.serveManifest(w, r, exp, parts[0], parts[2], token)
		default:
			http.NotFound(w, r)
		}
	})
}

func (s *simulator) exportToken(ctx context.Context, ns, secretName string) string {
	sec, err := s.fetch(ctx, gvrSecret, ns, secretName)
	if err != nil || sec == nil {
		return ""
	}
	return decodeSecretValue(str(sec.Object, "data", "token"))
}

func (s *simulator) serveVolume(w http.ResponseWriter, r *http.Request, ns, name, volume, file string) {
	v, ok := s.exportVolumes.get(ns, name, volume)
	if !ok {
		http.NotFound(w, r)
		return
	}
	data := s.volumes.read(v.Key)
	modTime := time.Unix(0, 0)
	switch {
	case file == "disk.img" && !v.Archive, file == "dir/disk.img" && v.Archive:
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, r, "disk.img", modTime, bytes.NewReader(data)) // handles Range
	case file == "disk.img.gz" && !v.Archive:
		w.Header().Set("Content-Type", "application/gzip")
		gz := gzip.NewWriter(w)
		gz.Write(data)
		gz.Close()
	case file == "disk.tar.gz" && v.Archive:
		w.Header().Set("Content-Type", "application/gzip")
		gz := gzip.NewWriter(w)
		tw := tar.NewWriter(gz)
		tw.WriteHeader(&tar.Header{Name: "disk.img", Mode: 0o644, Size: int64(len(data)), ModTime: modTime, Format: tar.FormatPAX})
		tw.Write(data)
		tw.Close()
		gz.Close()
	case (file == "dir" || file == "dir/") && v.Archive:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<pre>\n<a href=\"disk.img\">disk.img</a>\n</pre>\n")
	default:
		http.NotFound(w, r)
	}
}

package main

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// upload is one transfer received by the upload proxy.
type upload struct {
	Time           time.Time `json:"time"`
	Namespace      string    `json:"namespace"`
	PVC            string    `json:"pvc"`
	Path           string    `json:"path"`
	ReceivedBytes  int       `json:"receivedBytes"`
	ReceivedSHA256 string    `json:"receivedSha256"`
	Size           int       `json:"size"`   // stored on the volume, after gzip is undone
	SHA256         string    `json:"sha256"` // of the stored bytes
	// ContentType is the claim's cdi.kubevirt.io/storage.contentType the
	// proxy routed by: "kubevirt" (a disk image) or "archive" (a tar unpacked
	// into the claim, whose files are listed).
	ContentType string       `json:"contentType"`
	Files       []fileDigest `json:"files,omitempty"`
}

// uploadRegistry holds the tokens handed out by UploadTokenRequests and the
// record of every upload.
type uploadRegistry struct {
	mu      sync.Mutex
	tokens  map[string][2]string // token -> namespace, pvc
	uploads []upload
}

func newUploadRegistry() *uploadRegistry {
	return &uploadRegistry{tokens: map[string][2]string{}}
}

func (u *uploadRegistry) newToken(ns, pvc string) string {
	b := make([]byte, 24)
	rand.Read(b)
	t := hex.EncodeToString(b)
	u.mu.Lock()
	defer u.mu.Unlock()
	u.tokens[t] = [2]string{ns, pvc}
	return t
}

func (u *uploadRegistry) lookup(token string) (ns, pvc string, ok bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	t, ok := u.tokens[token]
	return t[0], t[1], ok
}

func (u *uploadRegistry) add(up upload) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.uploads = append(u.uploads, up)
}

func (u *uploadRegistry) list() []upload {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]upload{}, u.uploads...)
}

// uploadHandler plays cdi-uploadproxy: POST/PUT /v1beta1/upload (and
// /upload-async) with "Authorization: Bearer <token from an
// UploadTokenRequest>". Like CDI's upload server it undoes gzip, stores the
// bytes as the volume's content and completes the DataVolume. As CDI's proxy
// (pkg/uploadproxy/uploadproxy.go resolveUploadPath) it routes by the claim's
// cdi.kubevirt.io/storage.contentType: kubevirt (or none) to the disk image
// handler, archive to the upload server's /v1beta1/upload-archive, which
// unpacks the tar (gzip undone first, pkg/importer/format-readers.go) into the
// claim's filesystem; any other value is refused with 503.
//
// Switches (on the DataVolume or PVC): fail "upload" -> 500.
func (s *simulator) uploadHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			w.Write([]byte("OK"))
			return
		}
		if r.URL.Path != "/v1beta1/upload" && r.URL.Path != "/v1beta1/upload-async" {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodPost && r.Method != http.MethodPut {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		ns, name, ok := s.uploads.lookup(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		if !ok {
			http.Error(w, "invalid token", http.StatusUnauthorized)
			return
		}
		pvc := s.cache.get(gvrPVC, ns, name)
		dv := s.cache.get(gvrDV, ns, name)
		if pvc == nil || dv == nil || str(dv.Object, "status", "phase") != "UploadReady" {
			http.Error(w, "upload server not ready", http.StatusServiceUnavailable)
			return
		}
		contentType := pvc.GetAnnotations()[annContentType]
		if contentType == "" {
			contentType = "kubevirt"
		}
		if contentType != "kubevirt" && contentType != "archive" {
			http.Error(w, "rejecting upload request for PVC "+name+" - upload content-type "+contentType+" is invalid", http.StatusServiceUnavailable)
			return
		}
		if failing("upload", dv, pvc) {
			http.Error(w, "simulated upload failure", http.StatusInternalServerError)
			return
		}
		received, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		stored := received
		if len(received) > 2 && received[0] == 0x1f && received[1] == 0x8b {
			zr, err := gzip.NewReader(bytes.NewReader(received))
			if err == nil {
				stored, err = io.ReadAll(zr)
			}
			if err != nil {
				http.Error(w, "bad gzip data: "+err.Error(), http.StatusBadRequest)
				return
			}
		}
		record := upload{Time: time.Now().UTC(), Namespace: ns, PVC: name, Path: r.URL.Path, ContentType: contentType,
			ReceivedBytes: len(received), ReceivedSHA256: sha256Hex(received)}
		if contentType == "archive" {
			// handleStreamError: a tar that does not unpack fails the upload with 500.
			entries, err := untarFilesystem(bytes.NewReader(stored))
			if err != nil {
				http.Error(w, "Saving stream failed: unable to untar files from endpoint: "+err.Error(), http.StatusInternalServerError)
				return
			}
			stored = canonicalTar(entries)
			record.Path = strings.Replace(r.URL.Path, "/upload", "/upload-archive", 1)
			record.Files, _ = filesOf(stored)
		}
		if err := s.volumes.write(volumeKey(ns, name), stored); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		record.Size, record.SHA256 = len(stored), sha256Hex(stored)
		s.uploads.add(record)
		// Marks the import done; the DataVolume reconcile then reports Succeeded.
		ann := pvc.GetAnnotations()
		ann[annPodPhase] = "Succeeded"
		pvc.SetAnnotations(ann)
		if err := s.update(r.Context(), gvrPVC, pvc); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

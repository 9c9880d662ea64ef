// The export server's backup endpoints, as KubeVirt 1.9's virt-exportserver
// serves them for a VirtualMachineBackup source
// (pkg/storage/export/virt-exportserver/exportserver.go backupMapHandler,
// backupDataHandler; extents as pkg/storage/nbdclient/nbdclient.go builds
// them), and the count of bytes they served for the tests.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
)

const (
	defaultMapPageSize = 512        // exportserver.go defaultMapPageSize
	maxReadChunkSize   = 256 * 1024 // nbdclient.go maxReadChunkSize

	// Extent flags: NBD base:allocation (STATE_HOLE 1, STATE_ZERO 2) for full
	// backups; merged with qemu:dirty-bitmap (STATE_DIRTY 1) for incremental ones.
	flagHole  = 1
	flagDirty = 1
	flagZero  = 2
)

var backupEndpoint = regexp.MustCompile(`^/exports/([^/]+)/(map|data)$`)

// transferCount is what the backup endpoints of one export volume served.
type transferCount struct {
	Namespace    string `json:"namespace"`
	Export       string `json:"export"`
	Volume       string `json:"volume"`
	MapRequests  int    `json:"mapRequests"`
	MapBytes     int64  `json:"mapBytes"`
	DataRequests int    `json:"dataRequests"`
	DataBytes    int64  `json:"dataBytes"`
}

func (t *changeTracker) count(ns, export, volume string, update func(*transferCount)) {
	t.transfersMu.Lock()
	defer t.transfersMu.Unlock()
	key := ns + "/" + export + "/" + volume
	c := t.transfers[key]
	if c == nil {
		c = &transferCount{Namespace: ns, Export: export, Volume: volume}
		t.transfers[key] = c
	}
	update(c)
}

func (t *changeTracker) transferList(ns string) []transferCount {
	t.transfersMu.Lock()
	defer t.transfersMu.Unlock()
	out := []transferCount{}
	for _, c := range t.transfers {
		if ns == "" || c.Namespace == ns {
			out = append(out, *c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a.Namespace+"/"+a.Export+"/"+a.Volume < b.Namespace+"/"+b.Export+"/"+b.Volume
	})
	return out
}

func (t *changeTracker) resetTransfers() {
	t.transfersMu.Lock()
	defer t.transfersMu.Unlock()
	t.transfers = map[string]*transferCount{}
}

// withBackupControl adds to the control server:
//
//	GET    /backup-transfers[?namespace=NS]  [transferCount...]
//	DELETE /backup-transfers                 forget the counts
func (s *simulator) withBackupControl(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/backup-transfers" {
			next.ServeHTTP(w, r)
			return
		}
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, s.cbt.transferList(r.URL.Query().Get("namespace")))
		case http.MethodDelete:
			s.cbt.resetTransfers()
			w.WriteHeader(http.StatusNoContent)
		default:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
}

// withBackupEndpoints serves /exports/<volume>/{map,data} of exports whose
// source is a VirtualMachineBackup, at the same external and internal
// addresses as the other export links; everything else goes to next.
//
// Switches (on the export): fail "download" -> 500.
func (s *simulator) withBackupEndpoints(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ns, name, rest string
		if m := externalPath.FindStringSubmatch(r.URL.Path); m != nil {
			ns, name, rest = m[1], m[2], m[3]
		} else if m := internalHost.FindStringSubmatch(r.Host); m != nil {
			name, ns, rest = m[1], m[2], r.URL.Path
		}
		ep := backupEndpoint.FindStringSubmatch(rest)
		if ep == nil {
			next.ServeHTTP(w, r)
			return
		}
		exp := s.cache.get(gvrVMExport, ns, name)
		if exp == nil || !isBackupExport(exp) || str(exp.Object, "status", "phase") != "Ready" {
			http.NotFound(w, r)
			return
		}
		// tokenChecker: the query parameter or the header, else 401 with no body.
		token := s.exportToken(r.Context(), ns, str(exp.Object, "status", "tokenSecretRef"))
		q := r.URL.Query()
		given := []string{r.Header.Get("x-kubevirt-export-token")}
		if v, ok := q["x-kubevirt-export-token"]; ok {
			given = append(given, v[0])
			q.Del("x-kubevirt-export-token")
			r.URL.RawQuery = q.Encode()
		}
		authorized := false
		for _, g := range given {
			authorized = authorized || (token != "" && g == token)
		}
		if !authorized {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.Method != http.MethodGet {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		if failing("download", exp) {
			http.Error(w, "simulated export server failure", http.StatusInternalServerError)
			return
		}
		b := s.cache.get(gvrVMBackup, ns, str(exp.Object, "spec", "source", "name"))
		var job *backupJob
		if b != nil {
			job = s.cbt.job(b.GetUID())
		}
		vol, ok := jobVolume{}, false
		if job != nil {
			vol, ok = job.volume(ep[1])
		}
		if !ok {
			http.Error(w, "Backup source not connected", http.StatusServiceUnavailable)
			return
		}
		if ep[2] == "map" {
			s.serveBackupMap(w, r, job, vol, name)
		} else {
			s.serveBackupData(w, r, job, vol, name)
		}
	})
}

// queryUint parses a uint64 query parameter, answering 400 as KubeVirt does.
func queryUint(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, true
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		http.Error(w, fmt.Sprintf("invalid %s %q: %v", name, v, err), http.StatusBadRequest)
		return 0, false
	}
	if n > 1<<62 {
		n = 1 << 62
	}
	return int64(n), true
}

// mapExtent is ExportMapExtent of the export server.
type mapExtent struct {
	Offset      int64  `json:"offset"`
	Length      int64  `json:"length"`
	Type        int64  `json:"type"`
	Description string `json:"description"`
}

type mapPage struct {
	Extents    []mapExtent `json:"extents"`
	NextOffset *int64      `json:"next_offset"`
}

// serveBackupMap answers GET map?offset=&length=&page_size=: coalesced
// extents from offset (length 0 or past the end: to the end), at most
// page_size of them (default 512); next_offset is where the next page starts,
// null after the last. Full backups report allocation ("data", or
// "hole,zero" for 64 KiB granules of zeros); incremental ones merge it with
// the dirty bitmap of the base checkpoint ("clean", "dirty", "zero",
// "dirty,zero").
func (s *simulator) serveBackupMap(w http.ResponseWriter, r *http.Request, job *backupJob, vol jobVolume, export string) {
	offset, ok1 := queryUint(w, r, "offset")
	if !ok1 {
		return
	}
	length, ok2 := queryUint(w, r, "length")
	if !ok2 {
		return
	}
	pageSize := defaultMapPageSize
	if v := r.URL.Query().Get("page_size"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p <= 0 {
			http.Error(w, fmt.Sprintf("invalid page_size %q", v), http.StatusBadRequest)
			return
		}
		pageSize = p
	}
	current := s.volumes.read(vol.Key)
	size := int64(len(current))
	if offset >= size {
		http.Error(w, "Failed to collect map extents for export: "+vol.Name, http.StatusInternalServerError)
		return
	}
	end := size
	if length != 0 && offset+length < size {
		end = offset + length
	}
	var dirty map[int64]bool
	if job.incremental {
		dirty = s.cbt.dirtyGranules(vol.Key, job.baseSeq, job.startSeq)
	}
	page := mapPage{}
	var last *mapExtent
	for c := offset / cbtGranularity; c*cbtGranularity < end; c++ {
		lo, hi := max(c*cbtGranularity, offset), min((c+1)*cbtGranularity, end)
		var flags int64
		if s.cbt.isZero(job, vol.Key, current, c*cbtGranularity, min((c+1)*cbtGranularity, size)-c*cbtGranularity) {
			flags = flagZero
			if !job.incremental {
				flags |= flagHole
			}
		}
		if dirty[c] {
			flags |= flagDirty
		}
		if last != nil && last.Type == flags {
			last.Length += hi - lo
			continue
		}
		if last != nil {
			page.Extents = append(page.Extents, *last)
		}
		if len(page.Extents) >= pageSize {
			next := lo
			page.NextOffset = &next
			last = nil
			break
		}
		last = &mapExtent{Offset: lo, Length: hi - lo, Type: flags, Description: extentDescription(flags, job.incremental)}
	}
	if last != nil {
		page.Extents = append(page.Extents, *last)
	}
	body, _ := json.Marshal(page)
	body = append(body, '\n') // json.Encoder's
	w.Header().Set("Content-Type", "application/json")
	n, _ := w.Write(body)
	s.cbt.count(job.namespace, export, vol.Name, func(c *transferCount) { c.MapRequests++; c.MapBytes += int64(n) })
}

// extentDescription: allocDescription / mergedDescription of nbdclient.go.
func extentDescription(flags int64, incremental bool) string {
	if incremental {
		return map[int64]string{0: "clean", flagDirty: "dirty", flagZero: "zero", flagDirty | flagZero: "dirty,zero"}[flags]
	}
	return map[int64]string{0: "data", flagHole: "hole", flagZero: "zero", flagHole | flagZero: "hole,zero"}[flags]
}

// serveBackupData answers GET data?offset=&length= with the raw bytes of the
// range as they were when the backup began (length 0 or past the end: to the
// end): status 200, application/octet-stream, streamed in 256 KiB chunks
// without a Content-Length, as the export server does. An offset at or past
// the end aborts the connection, as the export server's failed stream does.
func (s *simulator) serveBackupData(w http.ResponseWriter, r *http.Request, job *backupJob, vol jobVolume, export string) {
	offset, ok1 := queryUint(w, r, "offset")
	if !ok1 {
		return
	}
	length, ok2 := queryUint(w, r, "length")
	if !ok2 {
		return
	}
	current := s.volumes.read(vol.Key)
	size := int64(len(current))
	if offset >= size {
		panic(http.ErrAbortHandler)
	}
	if length == 0 || offset+length > size {
		length = size - offset
	}
	s.cbt.count(job.namespace, export, vol.Name, func(c *transferCount) { c.DataRequests++ })
	w.Header().Set("Content-Type", "application/octet-stream")
	flusher, _ := w.(http.Flusher)
	for pos := offset; pos < offset+length; pos += maxReadChunkSize {
		chunk := s.cbt.readAt(job, vol.Key, current, pos, min(maxReadChunkSize, offset+length-pos))
		n, err := w.Write(chunk)
		s.cbt.count(job.namespace, export, vol.Name, func(c *transferCount) { c.DataBytes += int64(n) })
		if err != nil {
			return
		}
		if flusher != nil {
			flusher.Flush()
		}
	}
}

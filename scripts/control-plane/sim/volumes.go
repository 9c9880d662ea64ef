package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// defaultDiskSize is the size of a volume's simulated disk image unless its
// PVC carries the sim.kvbackup.test/disk-size annotation (bytes).
const defaultDiskSize = 1 << 20

// volumeStore holds the bytes "on" each volume: either data received by the
// upload proxy, data copied from a snapshot or clone source, or (by default)
// deterministic content derived from the key, so tests can check exact bytes:
// block i is sha256(key || uint64_be(i)), concatenated and cut to size. A
// filesystem volume (a claim that is not a KubeVirt disk) holds the tar of its
// files (filesystem.go).
type volumeStore struct {
	dir  string
	mu   sync.Mutex
	data map[string][]byte // materialised content, also written under dir
	// generatedCache keeps generated content, which takes seconds per GiB to
	// compute and is read once per Range request; it is recomputed when what
	// its PVC asks for (the content's signature) changes.
	generatedCache map[string]generatedContent
	// contentOf says what a key's generated content is.
	contentOf func(key string) generatedContent
}

// generatedContent is a key's default content: sig names what it depends on
// (kind, size, files), make computes it.
type generatedContent struct {
	sig  string
	make func() []byte
	b    []byte
}

func newVolumeStore(dir string, contentOf func(string) generatedContent) *volumeStore {
	return &volumeStore{dir: dir, data: map[string][]byte{}, generatedCache: map[string]generatedContent{}, contentOf: contentOf}
}

func volumeKey(ns, pvc string) string  { return "pvc/" + ns + "/" + pvc }
func snapshotKey(ns, vs string) string { return "volumesnapshot/" + ns + "/" + vs }

// generated returns the deterministic default content for key.
func generated(key string, size int) []byte {
	out := make([]byte, 0, size+sha256.Size)
	var ctr [8]byte
	for i := uint64(0); len(out) < size; i++ {
		binary.BigEndian.PutUint64(ctr[:], i)
		h := sha256.New()
		h.Write([]byte(key))
		h.Write(ctr[:])
		out = h.Sum(out)
	}
	return out[:size]
}

// read returns the content of key.
func (v *volumeStore) read(key string) []byte {
	v.mu.Lock()
	defer v.mu.Unlock()
	if b, ok := v.data[key]; ok {
		return b
	}
	if b, err := os.ReadFile(v.path(key)); err == nil {
		v.data[key] = b
		return b
	}
	want := v.contentOf(key)
	if c, ok := v.generatedCache[key]; ok && c.sig == want.sig {
		return c.b
	}
	want.b = want.make()
	v.generatedCache[key] = want
	return want.b
}

func (v *volumeStore) write(key string, b []byte) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	p := v.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return err
	}
	v.data[key] = b
	return nil
}

// copy gives dst the current content of src, once (a restore or clone happens
// when the volume is provisioned, later changes to src do not propagate).
func (v *volumeStore) copy(dst, src string) {
	if v.has(dst) {
		return
	}
	_ = v.write(dst, v.read(src))
}

func (v *volumeStore) has(key string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, ok := v.data[key]; ok {
		return true
	}
	_, err := os.Stat(v.path(key))
	return err == nil
}

func (v *volumeStore) path(key string) string { return filepath.Join(v.dir, filepath.FromSlash(key)) }

func diskSize(annotations map[string]string) int {
	if n, err := strconv.Atoi(annotations[annDiskSize]); err == nil && n >= 0 {
		return n
	}
	return defaultDiskSize
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// generatedContent: a PVC's content size comes from its disk-size
// annotation; a filesystem claim holds the files of its files annotation, or
// a disk.img of that size (filesystem.go).
func (s *simulator) generatedContent(key string) generatedContent {
	size := defaultDiskSize
	var ns, name string
	if _, err := fmt.Sscanf(strings.ReplaceAll(key, "/", " "), "pvc %s %s", &ns, &name); err == nil {
		if pvc := s.cache.get(gvrPVC, ns, name); pvc != nil {
			size = diskSize(pvc.GetAnnotations())
			if !s.isKubeVirtContent(pvc) {
				files := pvc.GetAnnotations()[annFiles]
				return generatedContent{sig: fmt.Sprintf("fs:%d:%s", size, files), make: func() []byte { return generatedFilesystem(key, size, files) }}
			}
		}
	}
	return generatedContent{sig: fmt.Sprintf("raw:%d", size), make: func() []byte { return generated(key, size) }}
}

package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"testing"
)

// A filesystem's tar unpacked and written again is the same tar, so a volume
// exported as disk.tar.gz and uploaded back as an archive holds the same bytes.
func TestFilesystemRoundTrip(t *testing.T) {
	original := generatedFilesystem("pvc/ns/fs", 0, `{"hello.txt":"hello\n","etc/app/config.yaml":"a: 1\n","empty":""}`)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(original)
	zw.Close()
	zr, err := gzip.NewReader(&gz)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := untarFilesystem(zr)
	if err != nil {
		t.Fatal(err)
	}
	if again := canonicalTar(entries); !bytes.Equal(again, original) {
		t.Fatalf("canonical tar changed: %d bytes, then %d", len(original), len(again))
	}
	files, err := filesOf(original)
	if err != nil || len(files) != 3 || files[0].Path != "empty" || files[1].Path != "etc/app/config.yaml" || files[2].Size != 6 {
		t.Fatalf("files %+v, %v", files, err)
	}
	if content, ok := fileIn(original, "etc/app/config.yaml"); !ok || string(content) != "a: 1\n" {
		t.Fatalf("fileIn: %q %v", content, ok)
	}
}

// As GNU tar, unpacking refuses a member that leaves the claim, and strips a leading "/".
func TestUntarRefusesEscapes(t *testing.T) {
	for name, wantErr := range map[string]bool{"../evil": true, "a/../../evil": true, "/abs.txt": false, "./ok.txt": false} {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: 1})
		tw.Write([]byte("x"))
		tw.Close()
		entries, err := untarFilesystem(&buf)
		if (err != nil) != wantErr {
			t.Fatalf("%s: err %v", name, err)
		}
		if !wantErr && len(entries) != 2 {
			t.Fatalf("%s: entries %+v", name, entries)
		}
	}
	if _, err := untarFilesystem(bytes.NewReader([]byte("not a tar at all, just some bytes that are long enough to fail"))); err == nil {
		t.Fatal("a broken tar unpacked")
	}
}

package main

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// exportVolume is one volume an export serves: its name in the links, where
// its bytes live in the volumeStore, and whether it is a disk image (raw,
// gzip) or a filesystem archive (dir, tar.gz).
type exportVolume struct {
	Name    string
	Key     string
	Archive bool
}

// exportRegistry remembers the volumes of each Ready export for the server.
type exportRegistry struct {
	mu      sync.Mutex
	volumes map[string][]exportVolume // ns/name -> volumes
}

func newExportRegistry() *exportRegistry {
	return &exportRegistry{volumes: map[string][]exportVolume{}}
}

func (e *exportRegistry) set(ns, name string, v []exportVolume) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.volumes[ns+"/"+name] = v
}

func (e *exportRegistry) get(ns, name, volume string) (exportVolume, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, v := range e.volumes[ns+"/"+name] {
		if v.Name == volume {
			return v, true
		}
	}
	return exportVolume{}, false
}

// reconcileExport plays KubeVirt's export controller: the token Secret, the
// source-state rules (a VM source must be stopped, a snapshot ready, PVCs
// bound), then phase Ready with internal and external links that point at
// this simulator's export server.
//
// Switches (on the export or its source): fail "export" -> Terminated;
// stall "export" -> stays Pending.
func (s *simulator) reconcileExport(ctx context.Context, exp *unstructured.Unstructured) error {
	ns, name := exp.GetNamespace(), exp.GetName()
	ttl := 2 * time.Hour
	if d, err := time.ParseDuration(str(exp.Object, "spec", "ttlDuration")); err == nil {
		ttl = d
	}
	expiry := exp.GetCreationTimestamp().Add(ttl)
	if time.Now().After(expiry) {
		return s.res(gvrVMExport, ns).Delete(ctx, name, metav1.DeleteOptions{})
	}
	before := statusOf(exp)
	tokenSecret := str(exp.Object, "spec", "tokenSecretRef")
	if tokenSecret == "" {
		tokenSecret = "export-token-" + name
		if err := s.ensureTokenSecret(ctx, exp, tokenSecret); err != nil {
			return err
		}
	}
	set(exp.Object, tokenSecret, "status", "tokenSecretRef")
	set(exp.Object, expiry.UTC().Format(time.RFC3339), "status", "ttlExpirationTime")
	set(exp.Object, "virt-export-"+name, "status", "serviceName")

	src := obj(exp.Object, "spec", "source")
	volumes, vmName, waitReason, waitMsg := s.exportSource(ns, str(src, "kind"), str(src, "name"))
	if vmName != "" {
		set(exp.Object, vmName, "status", "virtualMachineName")
	}
	sourceObj := s.exportSourceObject(ns, str(src, "kind"), str(src, "name"))
	phase, reason, msg := "Ready", "podReady", ""
	switch {
	case failing("export", exp, sourceObj):
		phase, reason, msg = "Terminated", "podFailed", "simulated exporter failure"
	case waitReason == "invalid":
		phase, reason, msg = "Skipped", "invalid", waitMsg
	case waitReason != "":
		phase, reason, msg = "Pending", waitReason, waitMsg
	case stalled("export", exp, sourceObj):
		phase, reason, msg = "Pending", "podPending", "exporter pod is pending"
	}
	set(exp.Object, phase, "status", "phase")
	conds := []map[string]any{condition("Ready", boolString(phase == "Ready"), reason, msg)}
	if str(src, "kind") == "VirtualMachineSnapshot" {
		conds = append(conds, condition("VolumesCreated", boolString(waitReason == ""), "AllVolumesReady", ""))
	} else {
		conds = append(conds, condition("PVCReady", boolString(waitReason == ""), "pvcBound", ""))
	}
	setConditions(exp, conds, "status", "conditions")
	if phase == "Ready" {
		s.exportVolumes.set(ns, name, volumes)
		set(exp.Object, s.exportLinks(ns, name, volumes, vmName != ""), "status", "links")
	} else {
		s.exportVolumes.set(ns, name, nil)
		unstructured.RemoveNestedField(exp.Object, "status", "links")
	}
	if err := s.updateStatus(ctx, gvrVMExport, before, exp); err != nil {
		return err
	}
	return retryAfter(time.Until(expiry) + time.Second) // delete it when the TTL passes
}

func (s *simulator) ensureTokenSecret(ctx context.Context, exp *unstructured.Unstructured, name string) error {
	if sec, err := s.fetch(ctx, gvrSecret, exp.GetNamespace(), name); err != nil || sec != nil {
		return err
	}
	b := make([]byte, 15)
	rand.Read(b)
	sec := newObject("v1", "Secret", exp.GetNamespace(), name)
	set(sec.Object, []any{ownerRef(exp, true)}, "metadata", "ownerReferences")
	set(sec.Object, map[string]any{"token": strings.ToLower(base32.StdEncoding.EncodeToString(b))}, "stringData")
	return s.create(ctx, gvrSecret, sec)
}

func (s *simulator) exportSourceObject(ns, kind, name string) *unstructured.Unstructured {
	switch kind {
	case "VirtualMachine":
		return s.cache.get(gvrVM, ns, name)
	case "VirtualMachineSnapshot":
		return s.cache.get(gvrVMSnapshot, ns, name)
	case "PersistentVolumeClaim":
		return s.cache.get(gvrPVC, ns, name)
	}
	return nil
}

// exportSource lists the volumes to serve, or why the export must wait.
func (s *simulator) exportSource(ns, kind, name string) (vols []exportVolume, vmName, waitReason, waitMsg string) {
	switch kind {
	case "PersistentVolumeClaim":
		v, ok := s.exportablePVC(ns, name)
		if !ok {
			return nil, "", "pvcPending", fmt.Sprintf("pvc %s/%s is not bound", ns, name)
		}
		return []exportVolume{v}, "", "", ""
	case "VirtualMachine":
		vm := s.cache.get(gvrVM, ns, name)
		if vm == nil {
			return nil, "", "vmNotFound", fmt.Sprintf("Virtual Machine %s/%s not found", ns, name)
		}
		if vmi := s.cache.get(gvrVMI, ns, name); vmi != nil {
			if p := str(vmi.Object, "status", "phase"); p != "Succeeded" && p != "Failed" {
				return nil, name, "inUse", fmt.Sprintf("Virtual Machine %s/%s is running", ns, name)
			}
		}
		for _, v := range slice(vm.Object, "spec", "template", "spec", "volumes") {
			vol := v.(map[string]any)
			claim := str(vol, "persistentVolumeClaim", "claimName")
			if dv := str(vol, "dataVolume", "name"); dv != "" {
				claim = dv
				if d := s.cache.get(gvrDV, ns, dv); d == nil || str(d.Object, "status", "phase") != "Succeeded" {
					return nil, name, "pvcPending", fmt.Sprintf("DataVolume %s/%s is not populated", ns, dv)
				}
			}
			if claim == "" {
				continue
			}
			ev, ok := s.exportablePVC(ns, claim)
			if !ok {
				return nil, name, "pvcPending", fmt.Sprintf("pvc %s/%s is not bound", ns, claim)
			}
			vols = append(vols, ev)
		}
		return vols, name, "", ""
	case "VirtualMachineSnapshot":
		snap := s.cache.get(gvrVMSnapshot, ns, name)
		if snap == nil {
			return nil, "", "snapshotNotFound", fmt.Sprintf("VirtualMachineSnapshot %s/%s not found", ns, name)
		}
		if ready, _ := boolean(snap.Object, "status", "readyToUse"); !ready {
			return nil, str(snap.Object, "spec", "source", "name"), "snapshotNotReady", "snapshot is not ready"
		}
		content := s.snapshotContent(snap)
		if content == nil {
			return nil, "", "snapshotNotReady", "snapshot content not found"
		}
		for _, b := range slice(content.Object, "spec", "volumeBackups") {
			bm := b.(map[string]any)
			pvc := &unstructured.Unstructured{Object: obj(bm, "persistentVolumeClaim")}
			vols = append(vols, exportVolume{
				Name:    str(bm, "persistentVolumeClaim", "metadata", "name"),
				Key:     snapshotKey(ns, str(bm, "volumeSnapshotName")),
				Archive: !s.isKubeVirtContent(pvc),
			})
		}
		return vols, str(content.Object, "spec", "source", "virtualMachine", "metadata", "name"), "", ""
	}
	return nil, "", "invalid", "invalid kind " + kind
}

func (s *simulator) snapshotContent(snap *unstructured.Unstructured) *unstructured.Unstructured {
	name := str(snap.Object, "status", "virtualMachineSnapshotContentName")
	c, _ := s.fetch(context.Background(), gvrVMSContent, snap.GetNamespace(), name)
	return c
}

func (s *simulator) exportablePVC(ns, name string) (exportVolume, bool) {
	pvc := s.cache.get(gvrPVC, ns, name)
	if pvc == nil || str(pvc.Object, "status", "phase") != "Bound" {
		return exportVolume{}, false
	}
	return exportVolume{Name: name, Key: volumeKey(ns, name), Archive: !s.isKubeVirtContent(pvc)}, true
}

// isKubeVirtContent: exported as a disk image (raw/gzip) rather than a
// filesystem archive, by the rule of KubeVirt's export controller.
func (s *simulator) isKubeVirtContent(pvc *unstructured.Unstructured) bool {
	if str(pvc.Object, "spec", "volumeMode") == "Block" {
		return true
	}
	if ct, ok := pvc.GetAnnotations()[annContentType]; ok {
		return ct == "kubevirt" || ct == ""
	}
	for _, ref := range pvc.GetOwnerReferences() {
		if ref.Kind == "DataVolume" {
			dv := s.cache.get(gvrDV, pvc.GetNamespace(), ref.Name)
			ct := ""
			if dv != nil {
				ct = str(dv.Object, "spec", "contentType")
			}
			return ct == "kubevirt" || ct == ""
		}
	}
	return false
}

func (s *simulator) exportLinks(ns, name string, vols []exportVolume, withManifests bool) map[string]any {
	internal := fmt.Sprintf("https://virt-export-%s.%s.svc", name, ns)
	external := fmt.Sprintf("https://127.0.0.1:%d/api/export.kubevirt.io/v1/namespaces/%s/virtualmachineexports/%s",
		s.ports.ExportPort, ns, name)
	link := func(base, kind string) map[string]any {
		var vs []any
		for _, v := range vols {
			p := base + "/volumes/" + v.Name
			formats := []any{
				map[string]any{"format": "raw", "url": p + "/disk.img"},
				map[string]any{"format": "gzip", "url": p + "/disk.img.gz"},
			}
			if v.Archive {
				formats = []any{
					map[string]any{"format": "dir", "url": p + "/dir"},
					map[string]any{"format": "tar.gz", "url": p + "/disk.tar.gz"},
				}
			}
			vs = append(vs, map[string]any{"name": v.Name, "formats": formats})
		}
		l := map[string]any{"cert": s.caPEM, "volumes": orEmpty(vs)}
		if withManifests {
			l["manifests"] = []any{
				map[string]any{"type": "all", "url": base + "/" + kind + "/manifests/all"},
				map[string]any{"type": "auth-header-secret", "url": base + "/" + kind + "/manifests/secret"},
			}
		}
		return l
	}
	return map[string]any{"internal": link(internal, "internal"), "external": link(external, "external")}
}

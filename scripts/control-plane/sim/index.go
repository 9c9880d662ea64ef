package main

import (
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
)

// Informer indexes that let a change re-queue exactly the objects that depend
// on it (a namespace may hold thousands of VMs in benchmarks).
const (
	byClaim  = "claim"  // VM, VMI: "ns/name" of every PVC or DataVolume they use
	bySource = "source" // VMSnapshot, VMExport, VolumeSnapshot: "ns/name" of their source
	byUID    = "uid"    // VMSnapshot: its UID (VolumeSnapshot names embed it)
)

var indexers = map[schema.GroupVersionResource]cache.Indexers{
	gvrVM:         {byClaim: claimIndex},
	gvrVMI:        {byClaim: claimIndex},
	gvrVMSnapshot: {bySource: sourceIndex("spec", "source", "name"), byUID: uidIndex},
	gvrVMExport:   {bySource: sourceIndex("spec", "source", "name")},
	gvrVS:         {bySource: sourceIndex("spec", "source", "persistentVolumeClaimName")},
}

func claimIndex(o any) ([]string, error) {
	u := o.(*unstructured.Unstructured)
	ns := u.GetNamespace()
	volumes := slice(u.Object, "spec", "volumes")
	if u.GetKind() == "VirtualMachine" {
		volumes = slice(u.Object, "spec", "template", "spec", "volumes")
	}
	var keys []string
	for _, v := range volumes {
		vol, _ := v.(map[string]any)
		for _, name := range []string{str(vol, "persistentVolumeClaim", "claimName"), str(vol, "dataVolume", "name")} {
			if name != "" {
				keys = append(keys, ns+"/"+name)
			}
		}
	}
	return keys, nil
}

func sourceIndex(path ...string) cache.IndexFunc {
	return func(o any) ([]string, error) {
		u := o.(*unstructured.Unstructured)
		if name := str(u.Object, path...); name != "" {
			return []string{u.GetNamespace() + "/" + name}, nil
		}
		return nil, nil
	}
}

func uidIndex(o any) ([]string, error) {
	return []string{string(o.(*unstructured.Unstructured).GetUID())}, nil
}

// dependents lists the objects whose reconcile reads u.
func (c *objectCache) dependents(gvr schema.GroupVersionResource, u *unstructured.Unstructured) []objectKey {
	ns, name := u.GetNamespace(), u.GetName()
	key := ns + "/" + name
	out := []objectKey{{gvr, ns, name}}
	sameName := func(other schema.GroupVersionResource) {
		out = append(out, objectKey{other, ns, name})
	}
	indexed := func(other schema.GroupVersionResource, index, value string) {
		objs, _ := c.informers[other].GetIndexer().ByIndex(index, value)
		for _, o := range objs {
			d := o.(*unstructured.Unstructured)
			out = append(out, objectKey{other, d.GetNamespace(), d.GetName()})
		}
	}
	switch gvr {
	case gvrVM, gvrVMI:
		sameName(gvrVM)
		sameName(gvrVMI)
		indexed(gvrVMSnapshot, bySource, key)
		indexed(gvrVMExport, bySource, key)
	case gvrDV, gvrPVC:
		sameName(gvrDV)
		sameName(gvrPVC)
		indexed(gvrVM, byClaim, key)
		indexed(gvrVMI, byClaim, key)
		indexed(gvrVS, bySource, key)
		indexed(gvrVMExport, bySource, key)
	case gvrVS:
		// vmsnapshot-<snapshot UID>-volume-<volume>
		if rest, ok := strings.CutPrefix(name, "vmsnapshot-"); ok && len(rest) > 36 {
			indexed(gvrVMSnapshot, byUID, rest[:36])
		}
	case gvrVMSnapshot:
		indexed(gvrVMExport, bySource, key)
	}
	return out
}

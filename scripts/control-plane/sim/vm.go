package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

const kubevirtVersion = "v1.9.0"

// reconcileVM plays virt-controller's VM loop: DataVolume templates,
// instancetype/preference revisions, starting and stopping the VMI, status.
func (s *simulator) reconcileVM(ctx context.Context, vm *unstructured.Unstructured) error {
	ns := vm.GetNamespace()
	for _, t := range slice(vm.Object, "spec", "dataVolumeTemplates") {
		if err := s.ensureTemplateDataVolume(ctx, vm, t.(map[string]any)); err != nil {
			return err
		}
	}
	before := statusOf(vm)
	var retry error
	for _, ref := range []struct{ spec, status string }{{"instancetype", "instancetypeRef"}, {"preference", "preferenceRef"}} {
		if err := s.ensureRevision(ctx, vm, ref.spec, ref.status); err != nil {
			if _, later := err.(retryAfter); !later {
				return err
			}
			retry = err
		}
	}

	vmi := s.cache.get(gvrVMI, ns, vm.GetName())
	running := wantsRunning(vm)
	switch {
	case running && vmi == nil:
		if err := s.createVMI(ctx, vm); err != nil {
			return err
		}
	case !running && vmi != nil && metav1.IsControlledBy(vmi, vm):
		err := s.res(gvrVMI, ns).Delete(ctx, vmi.GetName(), metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		vmi = nil
	}
	s.setVMStatus(vm, vmi, running)
	if err := s.updateStatus(ctx, gvrVM, before, vm); err != nil {
		return err
	}
	return retry
}

func wantsRunning(vm *unstructured.Unstructured) bool {
	switch str(vm.Object, "spec", "runStrategy") {
	case "Always", "RerunOnFailure", "Once":
		return true
	case "Halted":
		return false
	}
	r, _ := boolean(vm.Object, "spec", "running")
	return r
}

func runStrategy(vm *unstructured.Unstructured) string {
	if rs := str(vm.Object, "spec", "runStrategy"); rs != "" {
		return rs
	}
	if r, _ := boolean(vm.Object, "spec", "running"); r {
		return "Always"
	}
	return "Halted"
}

func (s *simulator) ensureTemplateDataVolume(ctx context.Context, vm *unstructured.Unstructured, t map[string]any) error {
	name := str(t, "metadata", "name")
	if s.cache.get(gvrDV, vm.GetNamespace(), name) != nil {
		return nil
	}
	dv := newObject("cdi.kubevirt.io/v1beta1", "DataVolume", vm.GetNamespace(), name)
	if l := obj(t, "metadata", "labels"); l != nil {
		set(dv.Object, l, "metadata", "labels")
	}
	if a := obj(t, "metadata", "annotations"); a != nil {
		set(dv.Object, a, "metadata", "annotations")
	}
	set(dv.Object, []any{ownerRef(vm, true)}, "metadata", "ownerReferences")
	set(dv.Object, obj(t, "spec"), "spec")
	return s.create(ctx, gvrDV, dv)
}

// ensureRevision stores the referenced instancetype or preference in a
// ControllerRevision named and labelled as KubeVirt's revision store does, and
// records it in status.<statusField>.controllerRevisionRef.
func (s *simulator) ensureRevision(ctx context.Context, vm *unstructured.Unstructured, specField, statusField string) error {
	ref := obj(vm.Object, "spec", specField)
	if ref == nil || str(vm.Object, "status", statusField, "controllerRevisionRef", "name") != "" {
		return nil
	}
	name, kind := str(ref, "name"), strings.ToLower(str(ref, "kind"))
	namespaced := kind == "virtualmachineinstancetype" || kind == "virtualmachinepreference"
	gvr, ns := gvrClusterIT, ""
	switch {
	case specField == "instancetype" && namespaced:
		gvr, ns = gvrInstancetype, vm.GetNamespace()
	case specField == "preference" && namespaced:
		gvr, ns = gvrPreference, vm.GetNamespace()
	case specField == "preference":
		gvr = gvrClusterPref
	}
	src, err := s.fetch(ctx, gvr, ns, name)
	if err != nil {
		return err
	}
	if src == nil {
		return retryAfter(time.Second) // not created yet
	}
	gen := src.GetGeneration()
	revName := fmt.Sprintf("%s-%s-%s-%s-%d", vm.GetName(), name, "v1beta1", src.GetUID(), gen)
	data := src.DeepCopy()
	data.SetLabels(nil)
	data.SetAnnotations(nil)
	data.SetFinalizers(nil)
	data.SetOwnerReferences(nil)
	data.SetManagedFields(nil)
	rev := newObject("apps/v1", "ControllerRevision", vm.GetNamespace(), revName)
	rev.SetLabels(map[string]string{
		"instancetype.kubevirt.io/object-generation": fmt.Sprint(gen),
		"instancetype.kubevirt.io/object-kind":       src.GetKind(),
		"instancetype.kubevirt.io/object-name":       name,
		"instancetype.kubevirt.io/object-uid":        string(src.GetUID()),
		"instancetype.kubevirt.io/object-version":    "v1beta1",
	})
	set(rev.Object, []any{ownerRef(vm, true)}, "metadata", "ownerReferences")
	set(rev.Object, data.Object, "data")
	set(rev.Object, int64(1), "revision")
	if err := s.create(ctx, gvrRevision, rev); err != nil {
		return err
	}
	set(vm.Object, map[string]any{"name": name, "kind": src.GetKind(),
		"controllerRevisionRef": map[string]any{"name": revName}}, "status", statusField)
	return nil
}

func (s *simulator) createVMI(ctx context.Context, vm *unstructured.Unstructured) error {
	vmi := newObject("kubevirt.io/v1", "VirtualMachineInstance", vm.GetNamespace(), vm.GetName())
	// As SetupVMIFromVM: the template's labels and annotations, owned by the VM.
	if l, _, _ := unstructured.NestedStringMap(vm.Object, "spec", "template", "metadata", "labels"); l != nil {
		vmi.SetLabels(l)
	}
	ann, _, _ := unstructured.NestedStringMap(vm.Object, "spec", "template", "metadata", "annotations")
	if ann == nil {
		ann = map[string]string{}
	}
	ann["kubevirt.io/latest-observed-api-version"] = "v1"
	ann["kubevirt.io/storage-observed-api-version"] = "v1"
	vmi.SetAnnotations(ann)
	set(vmi.Object, []any{ownerRef(vm, true)}, "metadata", "ownerReferences")
	set(vmi.Object, obj(vm.Object, "spec", "template", "spec"), "spec")
	return s.create(ctx, gvrVMI, vmi)
}

func (s *simulator) setVMStatus(vm, vmi *unstructured.Unstructured, running bool) {
	st := obj(vm.Object, "status")
	if st == nil {
		st = map[string]any{}
	}
	ready := vmi != nil && vmiCondition(vmi, "Ready") == "True"
	printable := "Stopped"
	switch {
	case vmi == nil && running:
		printable = "Starting"
	case vmi == nil:
	case str(vmi.Object, "status", "phase") == "Running":
		printable = "Running"
	case str(vmi.Object, "status", "phase") == "Failed":
		printable = "CrashLoopBackOff"
	case !s.volumesReady(vmi):
		printable = "Provisioning"
	default:
		printable = "Starting"
	}
	st["created"] = vmi != nil
	st["ready"] = ready
	st["printableStatus"] = printable
	st["runStrategy"] = runStrategy(vm)
	st["observedGeneration"] = vm.GetGeneration()
	st["desiredGeneration"] = vm.GetGeneration()
	if !ready {
		delete(st, "ready")
	}
	set(vm.Object, st, "status")

	conds := []map[string]any{condition("Ready", "False", "VMINotExists", "VMI does not exist")}
	if vmi != nil {
		conds = []map[string]any{condition("Ready", vmiCondition(vmi, "Ready"), "", "")}
		if a := vmiCondition(vmi, "AgentConnected"); a == "True" {
			conds = append(conds, condition("AgentConnected", "True", "", ""))
		}
	}
	setConditions(vm, conds, "status", "conditions")

	var snaps []any
	for _, v := range slice(vm.Object, "spec", "template", "spec", "volumes") {
		vol := v.(map[string]any)
		entry := map[string]any{"name": str(vol, "name"), "enabled": true}
		if obj(vol, "persistentVolumeClaim") == nil && obj(vol, "dataVolume") == nil {
			entry["enabled"] = false
			entry["reason"] = fmt.Sprintf("Snapshot is not supported for this volumeSource type [%s]", volumeSourceType(vol))
		}
		snaps = append(snaps, entry)
	}
	if snaps != nil {
		set(vm.Object, snaps, "status", "volumeSnapshotStatuses")
	}
}

func vmiCondition(vmi *unstructured.Unstructured, typ string) string {
	for _, c := range slice(vmi.Object, "status", "conditions") {
		if m, ok := c.(map[string]any); ok && str(m, "type") == typ {
			return str(m, "status")
		}
	}
	return "False"
}

func volumeSourceType(vol map[string]any) string {
	for k := range vol {
		if k != "name" {
			return k
		}
	}
	return ""
}

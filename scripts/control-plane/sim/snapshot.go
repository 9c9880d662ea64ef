package main

import (
	"context"
	"fmt"
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

var indicationMessages = map[string]string{
	"Online":       "Snapshot taken while the VM was running. Consistency depends on guest-agent quiescing.",
	"GuestAgent":   "Guest agent was active and attempted to quiesce the filesystem for application consistency.",
	"NoGuestAgent": "Guest agent was not available. Snapshot is crash-consistent and may not be application-consistent.",
}

// reconcileVMSnapshot plays KubeVirt's snapshot controller: freeze the guest
// (through the same freeze registry the aggregated API uses, so the calls are
// recorded), create the VirtualMachineSnapshotContent and one VolumeSnapshot
// per PVC/DataVolume volume, thaw, and report readyToUse once every
// VolumeSnapshot is ready.
//
// Switches (on the snapshot or its VM): fail "snapshot" -> Failed;
// stall "snapshot" -> InProgress forever; fail "freeze" -> Failed.
func (s *simulator) reconcileVMSnapshot(ctx context.Context, snap *unstructured.Unstructured) error {
	phase := str(snap.Object, "status", "phase")
	if phase == "Succeeded" || phase == "Failed" {
		return nil
	}
	ns := snap.GetNamespace()
	before := statusOf(snap)
	vm := s.cache.get(gvrVM, ns, str(snap.Object, "spec", "source", "name"))
	if vm == nil {
		setConditions(snap, []map[string]any{
			condition("Progressing", "False", "Source does not exist", ""),
			condition("Ready", "False", "Source does not exist", ""),
		}, "status", "conditions")
		return s.updateStatus(ctx, gvrVMSnapshot, before, snap)
	}
	set(snap.Object, string(vm.GetUID()), "status", "sourceUID")
	set(snap.Object, false, "status", "readyToUse")
	switch {
	case failing("snapshot", snap, vm):
		return s.failSnapshot(ctx, before, snap, "simulated snapshot failure")
	case stalled("snapshot", snap, vm):
		set(snap.Object, "InProgress", "status", "phase")
		setConditions(snap, []map[string]any{
			condition("Progressing", "True", "Source locked and operation in progress", ""),
			condition("Ready", "False", "Not ready", ""),
		}, "status", "conditions")
		return s.updateStatus(ctx, gvrVMSnapshot, before, snap)
	}

	contentName := "vmsnapshot-content-" + string(snap.GetUID())
	content, err := s.fetch(ctx, gvrVMSContent, ns, contentName)
	if err != nil {
		return err
	}
	if content == nil {
		if msg := s.takeSnapshot(ctx, snap, vm, contentName); msg != "" {
			return s.failSnapshot(ctx, before, snap, msg)
		}
		set(snap.Object, "InProgress", "status", "phase")
		set(snap.Object, contentName, "status", "virtualMachineSnapshotContentName")
		setConditions(snap, []map[string]any{
			condition("Progressing", "True", "Source locked and operation in progress", ""),
			condition("Ready", "False", "Not ready", ""),
		}, "status", "conditions")
		return s.updateStatus(ctx, gvrVMSnapshot, before, snap)
	}

	ready, volStatus := true, []any{}
	for _, b := range slice(content.Object, "spec", "volumeBackups") {
		name := str(b.(map[string]any), "volumeSnapshotName")
		vs := s.cache.get(gvrVS, ns, name)
		r := false
		if vs != nil {
			r, _ = boolean(vs.Object, "status", "readyToUse")
		}
		ready = ready && r
		volStatus = append(volStatus, map[string]any{"volumeSnapshotName": name, "readyToUse": r, "creationTime": now()})
	}
	if !ready {
		return nil // the VolumeSnapshots' updates requeue us
	}
	cBefore := statusOf(content)
	set(content.Object, true, "status", "readyToUse")
	if str(content.Object, "status", "creationTime") == "" {
		set(content.Object, now(), "status", "creationTime")
	}
	set(content.Object, volStatus, "status", "volumeSnapshotStatus")
	if err := s.updateStatus(ctx, gvrVMSContent, cBefore, content); err != nil {
		return err
	}
	set(snap.Object, "Succeeded", "status", "phase")
	set(snap.Object, true, "status", "readyToUse")
	set(snap.Object, now(), "status", "creationTime")
	setConditions(snap, []map[string]any{
		condition("Progressing", "False", "Operation complete", ""),
		condition("Ready", "True", "Operation complete", ""),
	}, "status", "conditions")
	return s.updateStatus(ctx, gvrVMSnapshot, before, snap)
}

func (s *simulator) failSnapshot(ctx context.Context, before map[string]any, snap *unstructured.Unstructured, msg string) error {
	set(snap.Object, "Failed", "status", "phase")
	set(snap.Object, map[string]any{"message": msg, "time": now()}, "status", "error")
	setConditions(snap, []map[string]any{
		condition("Progressing", "False", "Snapshot failed", msg),
		condition("Ready", "False", "Snapshot failed", msg),
		condition("Failure", "True", "Snapshot failed", msg),
	}, "status", "conditions")
	return s.updateStatus(ctx, gvrVMSnapshot, before, snap)
}

// takeSnapshot freezes, creates the content and the VolumeSnapshots, thaws.
// It returns an error message when the snapshot must fail.
func (s *simulator) takeSnapshot(ctx context.Context, snap, vm *unstructured.Unstructured, contentName string) string {
	ns := snap.GetNamespace()
	vmi := s.cache.get(gvrVMI, ns, vm.GetName())
	online := vmi != nil && str(vmi.Object, "status", "phase") == "Running"
	agent := online && vmiCondition(vmi, "AgentConnected") == "True"

	var indications []string
	if online {
		indications = append(indications, "Online", map[bool]string{true: "GuestAgent", false: "NoGuestAgent"}[agent])
		sort.Strings(indications)
	}
	if agent {
		deadline := 5 * time.Minute
		if d, err := time.ParseDuration(str(snap.Object, "spec", "failureDeadline")); err == nil {
			deadline = d
		}
		if code, msg := s.freezes.freeze(ctx, ns, vmi.GetName(), deadline, "virt-controller", ""); code != 200 {
			return "Failed freezing vm: " + msg
		}
		defer s.freezes.unfreeze(ctx, ns, vmi.GetName(), "virt-controller", "")
	}

	content := newObject("snapshot.kubevirt.io/v1beta1", "VirtualMachineSnapshotContent", ns, contentName)
	if str(snap.Object, "spec", "deletionPolicy") != "Retain" {
		set(content.Object, []any{ownerRef(snap, true)}, "metadata", "ownerReferences")
	}
	var backups, included, excluded []any
	for _, v := range slice(vm.Object, "spec", "template", "spec", "volumes") {
		vol := v.(map[string]any)
		claim := str(vol, "persistentVolumeClaim", "claimName")
		if dv := str(vol, "dataVolume", "name"); dv != "" {
			claim = dv
		}
		if claim == "" {
			continue
		}
		pvc := s.cache.get(gvrPVC, ns, claim)
		if pvc == nil {
			excluded = append(excluded, str(vol, "name"))
			continue
		}
		included = append(included, str(vol, "name"))
		vsName := fmt.Sprintf("vmsnapshot-%s-volume-%s", snap.GetUID(), str(vol, "name"))
		backups = append(backups, map[string]any{
			"volumeName":         str(vol, "name"),
			"volumeSnapshotName": vsName,
			"persistentVolumeClaim": map[string]any{
				"metadata": map[string]any{"name": claim, "namespace": ns,
					"labels": anyMap(pvc.GetLabels()), "annotations": anyMap(pvc.GetAnnotations())},
				"spec": obj(pvc.Object, "spec"),
			},
		})
	}
	source := map[string]any{
		"metadata": map[string]any{"name": vm.GetName(), "namespace": ns, "uid": string(vm.GetUID()),
			"generation": vm.GetGeneration(), "labels": anyMap(vm.GetLabels()), "annotations": anyMap(vm.GetAnnotations())},
		"spec":   obj(vm.Object, "spec"),
		"status": obj(vm.Object, "status"),
	}
	set(content.Object, map[string]any{
		"source":                     map[string]any{"virtualMachine": source},
		"virtualMachineSnapshotName": snap.GetName(),
		"volumeBackups":              orEmpty(backups),
	}, "spec")
	if err := s.create(ctx, gvrVMSContent, content); err != nil {
		return "creating content: " + err.Error()
	}
	created, _ := s.fetch(ctx, gvrVMSContent, ns, contentName)
	for _, b := range backups {
		bm := b.(map[string]any)
		vs := newObject("snapshot.storage.k8s.io/v1", "VolumeSnapshot", ns, str(bm, "volumeSnapshotName"))
		if created != nil {
			set(vs.Object, []any{ownerRef(created, true)}, "metadata", "ownerReferences")
		}
		set(vs.Object, map[string]any{"source": map[string]any{
			"persistentVolumeClaimName": str(bm, "persistentVolumeClaim", "metadata", "name")}}, "spec")
		if err := s.create(ctx, gvrVS, vs); err != nil {
			return "creating VolumeSnapshot: " + err.Error()
		}
	}
	if indications != nil {
		var si []any
		for _, i := range indications {
			si = append(si, map[string]any{"indication": i, "message": indicationMessages[i]})
		}
		set(snap.Object, indications, "status", "indications")
		set(snap.Object, si, "status", "sourceIndications")
	}
	set(snap.Object, map[string]any{"includedVolumes": orEmpty(included), "excludedVolumes": orEmpty(excluded)},
		"status", "snapshotVolumes")
	return ""
}

func anyMap(m map[string]string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func orEmpty(s []any) []any {
	if s == nil {
		return []any{}
	}
	return s
}

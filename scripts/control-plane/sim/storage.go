package main

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// The driver/provisioner name of the simulated storage; scripts/control-plane
// installs a default StorageClass and a VolumeSnapshotClass for it.
const simDriver = "sim.kvbackup.test"

const (
	annContentType   = "cdi.kubevirt.io/storage.contentType"
	annPodPhase      = "cdi.kubevirt.io/storage.pod.phase"
	annPrePopulated  = "cdi.kubevirt.io/storage.prePopulated"
	annPopulatedFor  = "cdi.kubevirt.io/storage.populatedFor"
	annCreatedForDV  = "cdi.kubevirt.io/createdForDataVolume"
	annImportSource  = "cdi.kubevirt.io/storage.import.source"
	annUploadTarget  = "cdi.kubevirt.io/storage.upload.target"
	annBindCompleted = "pv.kubernetes.io/bind-completed"
)

// reconcileDataVolume plays CDI's DataVolume controller: it creates the PVC
// (as CDI does, same name, owned by the DataVolume), then reports the import
// as done once the PVC is bound. Upload DataVolumes wait in UploadReady until
// data arrives at the upload proxy.
//
// Switches: fail "import" -> Failed; stall "import" -> ImportInProgress at 42%.
func (s *simulator) reconcileDataVolume(ctx context.Context, dv *unstructured.Unstructured) error {
	ns, name := dv.GetNamespace(), dv.GetName()
	pvc := s.cache.get(gvrPVC, ns, name)
	source := dataVolumeSourceType(dv)
	prePopulated := dv.GetAnnotations()[annPrePopulated] != ""
	if pvc == nil {
		if err := s.create(ctx, gvrPVC, s.newDataVolumePVC(dv, source)); err != nil {
			return err
		}
		return nil // continue when the informer sees the PVC
	}
	if !isOwnedBy(pvc, dv) {
		// CDI adopts a PVC restored for this DataVolume instead of importing again.
		if pvc.GetAnnotations()[annPopulatedFor] == name || prePopulated {
			prePopulated = true
			pvc.SetOwnerReferences(append(pvc.GetOwnerReferences(), *metav1.NewControllerRef(dv, dv.GroupVersionKind())))
			if err := s.update(ctx, gvrPVC, pvc); err != nil {
				return err
			}
		}
	}

	before := statusOf(dv)
	bound := str(pvc.Object, "status", "phase") == "Bound"
	done := prePopulated || pvc.GetAnnotations()[annPodPhase] == "Succeeded"
	prefix := map[string]string{"upload": "Upload", "pvc": "Clone", "snapshot": "Clone"}[source]
	if prefix == "" {
		prefix = "Import"
	}
	phase, progress := "Succeeded", "100.0%"
	switch {
	case !bound:
		phase, progress = "Pending", "N/A"
	case done:
	case failing("import", dv):
		phase, progress = "Failed", "N/A"
	case stalled("import", dv):
		phase, progress = prefix+"InProgress", "42.0%"
	case source == "upload":
		phase, progress = "UploadReady", "N/A"
	}
	set(dv.Object, phase, "status", "phase")
	set(dv.Object, progress, "status", "progress")
	set(dv.Object, name, "status", "claimName")
	boundStatus, readyStatus := "False", "False"
	if bound {
		boundStatus = "True"
	}
	if phase == "Succeeded" || phase == "UploadReady" {
		readyStatus = "True"
	}
	runningReason := "Completed"
	if phase == "Failed" {
		runningReason = "Error"
	}
	setConditions(dv, []map[string]any{
		condition("Bound", boundStatus, "Bound", "PVC "+name+" Bound"),
		condition("Ready", readyStatus, "", ""),
		condition("Running", boolString(phase == prefix+"InProgress" || phase == "UploadReady"), runningReason, ""),
	}, "status", "conditions")
	if err := s.updateStatus(ctx, gvrDV, before, dv); err != nil {
		return err
	}
	if phase == "Succeeded" && pvc.GetAnnotations()[annPodPhase] != "Succeeded" {
		ann := pvc.GetAnnotations()
		ann[annPodPhase] = "Succeeded"
		ann["cdi.kubevirt.io/storage.condition.running"] = "false"
		pvc.SetAnnotations(ann)
		return s.update(ctx, gvrPVC, pvc)
	}
	return nil
}

func boolString(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func dataVolumeSourceType(dv *unstructured.Unstructured) string {
	for k := range obj(dv.Object, "spec", "source") {
		return k
	}
	if ref := obj(dv.Object, "spec", "sourceRef"); ref != nil {
		return "pvc" // a DataSource resolves to a PVC or snapshot clone
	}
	return "blank"
}

func (s *simulator) newDataVolumePVC(dv *unstructured.Unstructured, source string) *unstructured.Unstructured {
	spec := obj(dv.Object, "spec", "pvc")
	if spec == nil {
		// spec.storage: CDI fills the gaps from the StorageProfile.
		spec = obj(dv.Object, "spec", "storage")
		if spec == nil {
			spec = map[string]any{}
		}
		if slice(spec, "accessModes") == nil {
			spec["accessModes"] = []any{"ReadWriteOnce"}
		}
		if str(spec, "volumeMode") == "" {
			spec["volumeMode"] = "Filesystem"
		}
		if str(spec, "resources", "requests", "storage") == "" {
			set(spec, "1Gi", "resources", "requests", "storage")
		}
	}
	pvc := newObject("v1", "PersistentVolumeClaim", dv.GetNamespace(), dv.GetName())
	contentType := str(dv.Object, "spec", "contentType")
	if contentType == "" {
		contentType = "kubevirt"
	}
	// CDI passes the DataVolume's annotations on to its PVC.
	ann := map[string]string{}
	for k, v := range dv.GetAnnotations() {
		if k != "kubectl.kubernetes.io/last-applied-configuration" {
			ann[k] = v
		}
	}
	ann[annContentType] = contentType
	ann[annCreatedForDV] = string(dv.GetUID())
	switch source {
	case "upload":
		ann[annUploadTarget] = ""
	case "pvc", "snapshot":
		ann["cdi.kubevirt.io/cloneType"] = "snapshot"
	default:
		ann[annImportSource] = map[string]string{"blank": "none"}[source]
		if ann[annImportSource] == "" {
			ann[annImportSource] = source
		}
	}
	pvc.SetAnnotations(ann)
	pvc.SetLabels(map[string]string{
		"app":                          "containerized-data-importer",
		"app.kubernetes.io/component":  "storage",
		"app.kubernetes.io/managed-by": "cdi-controller",
	})
	set(pvc.Object, []any{ownerRef(dv, true)}, "metadata", "ownerReferences")
	set(pvc.Object, runtime.DeepCopyJSON(spec), "spec")
	if src := obj(dv.Object, "spec", "source", "pvc"); src != nil {
		if ns := str(src, "namespace"); ns == "" || ns == dv.GetNamespace() {
			// CDI's csi-clone strategy: a claim whose dataSource is the source claim (reconcilePVC gives it the bytes).
			set(pvc.Object, map[string]any{"kind": "PersistentVolumeClaim", "name": str(src, "name")}, "spec", "dataSource")
		} else {
			s.volumes.copy(volumeKey(dv.GetNamespace(), dv.GetName()), volumeKey(ns, str(src, "name")))
		}
	}
	return pvc
}

// reconcilePVC plays the external provisioner and the PV binder: it creates a
// PersistentVolume for every pending claim and binds the two. A claim restored
// from a VolumeSnapshot or cloned from a PVC gets its source's data.
//
// Switches: stall "bind" -> the claim stays Pending.
func (s *simulator) reconcilePVC(ctx context.Context, pvc *unstructured.Unstructured) error {
	if str(pvc.Object, "status", "phase") == "Bound" || stalled("bind", pvc) {
		return nil
	}
	ns, name := pvc.GetNamespace(), pvc.GetName()
	if ds := obj(pvc.Object, "spec", "dataSourceRef"); ds != nil || obj(pvc.Object, "spec", "dataSource") != nil {
		if ds == nil {
			ds = obj(pvc.Object, "spec", "dataSource")
		}
		switch str(ds, "kind") {
		case "VolumeSnapshot":
			s.volumes.copy(volumeKey(ns, name), snapshotKey(ns, str(ds, "name")))
		case "PersistentVolumeClaim":
			// A CSI clone is provisioned only once its source claim is bound,
			// and then holds exactly the source's bytes.
			src := s.cache.get(gvrPVC, ns, str(ds, "name"))
			if src == nil || str(src.Object, "status", "phase") != "Bound" {
				return retryAfter(time.Second)
			}
			s.volumes.copy(volumeKey(ns, name), volumeKey(ns, str(ds, "name")))
		}
	}
	pvName := "pvc-" + string(pvc.GetUID())
	size := str(pvc.Object, "spec", "resources", "requests", "storage")
	pv := newObject("v1", "PersistentVolume", "", pvName)
	pv.SetAnnotations(map[string]string{"pv.kubernetes.io/provisioned-by": simDriver})
	spec := map[string]any{
		"capacity":                      map[string]any{"storage": size},
		"accessModes":                   slice(pvc.Object, "spec", "accessModes"),
		"persistentVolumeReclaimPolicy": "Delete",
		"storageClassName":              str(pvc.Object, "spec", "storageClassName"),
		"volumeMode":                    str(pvc.Object, "spec", "volumeMode"),
		"csi":                           map[string]any{"driver": simDriver, "volumeHandle": string(pvc.GetUID())},
		"claimRef": map[string]any{"apiVersion": "v1", "kind": "PersistentVolumeClaim",
			"namespace": ns, "name": name, "uid": string(pvc.GetUID())},
	}
	if spec["volumeMode"] == "" {
		spec["volumeMode"] = "Filesystem"
	}
	set(pv.Object, spec, "spec")
	if err := s.create(ctx, gvrPV, pv); err != nil {
		return err
	}
	pvObj, err := s.fetch(ctx, gvrPV, "", pvName)
	if err != nil || pvObj == nil {
		return err
	}
	pvBefore := statusOf(pvObj)
	set(pvObj.Object, "Bound", "status", "phase")
	if err := s.updateStatus(ctx, gvrPV, pvBefore, pvObj); err != nil {
		return err
	}

	if str(pvc.Object, "spec", "volumeName") == "" {
		ann := pvc.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[annBindCompleted] = "yes"
		ann["pv.kubernetes.io/bound-by-controller"] = "yes"
		ann["volume.kubernetes.io/storage-provisioner"] = simDriver
		pvc.SetAnnotations(ann)
		set(pvc.Object, pvName, "spec", "volumeName")
		updated, err := s.res(gvrPVC, ns).Update(ctx, pvc, metav1.UpdateOptions{})
		if err != nil {
			return err
		}
		pvc = updated
	}
	before := statusOf(pvc)
	set(pvc.Object, "Bound", "status", "phase")
	set(pvc.Object, slice(pvc.Object, "spec", "accessModes"), "status", "accessModes")
	set(pvc.Object, map[string]any{"storage": size}, "status", "capacity")
	return s.updateStatus(ctx, gvrPVC, before, pvc)
}

// reconcileVolumeSnapshot plays the CSI snapshotter: a bound
// VolumeSnapshotContent and readyToUse, with the source volume's data captured.
//
// Switches: fail "volume-snapshot" -> status.error; stall "volume-snapshot".
func (s *simulator) reconcileVolumeSnapshot(ctx context.Context, vs *unstructured.Unstructured) error {
	if ready, _ := boolean(vs.Object, "status", "readyToUse"); ready || stalled("volume-snapshot", vs) {
		return nil
	}
	ns := vs.GetNamespace()
	before := statusOf(vs)
	if failing("volume-snapshot", vs) {
		set(vs.Object, false, "status", "readyToUse")
		set(vs.Object, map[string]any{"message": "simulated snapshot failure", "time": now()}, "status", "error")
		return s.updateStatus(ctx, gvrVS, before, vs)
	}
	claim := str(vs.Object, "spec", "source", "persistentVolumeClaimName")
	pvc := s.cache.get(gvrPVC, ns, claim)
	if pvc == nil || str(pvc.Object, "status", "phase") != "Bound" {
		return nil
	}
	s.volumes.copy(snapshotKey(ns, vs.GetName()), volumeKey(ns, claim))
	size := str(pvc.Object, "status", "capacity", "storage")
	contentName := "snapcontent-" + string(vs.GetUID())
	vsc := newObject("snapshot.storage.k8s.io/v1", "VolumeSnapshotContent", "", contentName)
	set(vsc.Object, map[string]any{
		"driver":                  simDriver,
		"deletionPolicy":          "Delete",
		"volumeSnapshotClassName": str(vs.Object, "spec", "volumeSnapshotClassName"),
		"source":                  map[string]any{"volumeHandle": str(pvc.Object, "spec", "volumeName")},
		"sourceVolumeMode":        str(pvc.Object, "spec", "volumeMode"),
		"volumeSnapshotRef": map[string]any{"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
			"namespace": ns, "name": vs.GetName(), "uid": string(vs.GetUID())},
	}, "spec")
	if str(vsc.Object, "spec", "volumeSnapshotClassName") == "" {
		unstructured.RemoveNestedField(vsc.Object, "spec", "volumeSnapshotClassName")
	}
	if err := s.create(ctx, gvrVSC, vsc); err != nil {
		return err
	}
	created, err := s.fetch(ctx, gvrVSC, "", contentName)
	if err != nil || created == nil {
		return err
	}
	vscBefore := statusOf(created)
	set(created.Object, map[string]any{"readyToUse": true, "snapshotHandle": "sim-" + string(vs.GetUID()),
		"creationTime": time.Now().UnixNano(), "restoreSize": quantityBytes(size)}, "status")
	if err := s.updateStatus(ctx, gvrVSC, vscBefore, created); err != nil {
		return err
	}
	set(vs.Object, map[string]any{"readyToUse": true, "boundVolumeSnapshotContentName": contentName,
		"creationTime": now(), "restoreSize": size}, "status")
	return s.updateStatus(ctx, gvrVS, before, vs)
}

func quantityBytes(q string) int64 {
	v, err := resource.ParseQuantity(q)
	if err != nil {
		return 0
	}
	return v.Value()
}

// releaseVolumes plays the provisioner's reclaim (policy Delete): a
// PersistentVolume whose claim is gone is marked Released, so the
// pv-protection finalizer lets go, and deleted.
func (s *simulator) releaseVolumes(ctx context.Context) error {
	pvs, err := s.res(gvrPV, "").List(ctx, listAll)
	if err != nil {
		return err
	}
	for i := range pvs.Items {
		pv := &pvs.Items[i]
		if str(pv.Object, "spec", "csi", "driver") != simDriver || pv.GetDeletionTimestamp() != nil {
			continue
		}
		claim := obj(pv.Object, "spec", "claimRef")
		pvc := s.cache.get(gvrPVC, str(claim, "namespace"), str(claim, "name"))
		if pvc != nil && string(pvc.GetUID()) == str(claim, "uid") {
			continue
		}
		before := statusOf(pv)
		set(pv.Object, "Released", "status", "phase")
		if err := s.updateStatus(ctx, gvrPV, before, pv); err != nil {
			return err
		}
		if err := s.res(gvrPV, "").Delete(ctx, pv.GetName(), metav1.DeleteOptions{}); err != nil {
			return err
		}
	}
	return nil
}

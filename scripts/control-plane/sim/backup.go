// VirtualMachineBackup (backup.kubevirt.io/v1alpha1) as KubeVirt 1.9's
// backup controller (pkg/storage/cbt/backup.go, pull_mode.go) and
// virt-launcher's backup job (pkg/virt-launcher/virtwrap/storage/backup.go)
// play it in pull mode, with the VirtualMachineExport the backup owns
// (pkg/storage/export/export/backup-source.go). Push mode is not simulated.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

const (
	backupFinalizer     = "backup.kubevirt.io/vmbackup-protection"
	defaultPullModeTTL  = 2 * time.Hour
	backupTimeXMLFormat = "2006-01-02_15-04-05"
)

// jobVolume is one disk of a backup job: the VMI volume, libvirt's target
// device and the simulator's volume key.
type jobVolume struct {
	Name, DiskTarget, Key string
}

// backupJob is a running libvirt backup job: the checkpoint it created, the
// one it is incremental to, and the bytes overwritten since it started (the
// scratch file of QEMU's copy-before-write), so that reads see the disks as
// they were when the job began.
type backupJob struct {
	uid               types.UID
	started           time.Time
	namespace, vm     string
	incremental       bool
	baseSeq, startSeq uint64
	volumes           []jobVolume
	scratch           map[string]map[int64][]byte // volume key -> granule -> bytes at the start
}

func (j *backupJob) volume(name string) (jobVolume, bool) {
	for _, v := range j.volumes {
		if v.Name == name {
			return v, true
		}
	}
	return jobVolume{}, false
}

// preserve keeps the granules of r as they were before the job's first write
// to them (called with the tracker locked).
func (j *backupJob) preserve(key string, old []byte, r writeRange) {
	saved, ok := j.scratch[key]
	if !ok {
		return
	}
	for c := r.offset / cbtGranularity; c*cbtGranularity < r.offset+r.length; c++ {
		if _, done := saved[c]; !done {
			start := c * cbtGranularity
			saved[c] = bytes.Clone(old[start:min(start+cbtGranularity, int64(len(old)))])
		}
	}
}

// beginJob creates the job's checkpoint at the current write and registers
// the job, atomically with respect to writes.
func (t *changeTracker) beginJob(j *backupJob, vm, checkpoint string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	j.startSeq, j.started = t.seq, time.Now()
	j.scratch = map[string]map[int64][]byte{}
	for _, v := range j.volumes {
		j.scratch[v.Key] = map[int64][]byte{}
	}
	t.checkpoints[j.namespace+"/"+vm+"/"+checkpoint] = t.seq
	t.jobs[j.uid] = j
}

func (t *changeTracker) job(uid types.UID) *backupJob {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.jobs[uid]
}

func (t *changeTracker) endJob(uid types.UID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.jobs, uid)
}

// readAt returns the bytes [off, off+n) of a job's volume as they were when
// the job began: current holds the volume's bytes read at any time since.
func (t *changeTracker) readAt(j *backupJob, key string, current []byte, off, n int64) []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := current[off : off+n] // never written in place: a write replaces the whole slice
	copied := false
	for c := off / cbtGranularity; c*cbtGranularity < off+n; c++ {
		saved, ok := j.scratch[key][c]
		if !ok {
			continue
		}
		if !copied {
			out, copied = bytes.Clone(out), true
		}
		start := c * cbtGranularity
		lo, hi := max(start, off), min(start+int64(len(saved)), off+n)
		copy(out[lo-off:hi-off], saved[lo-start:hi-start])
	}
	return out
}

// isZero tells whether the bytes [off, off+n) of a job's volume were all
// zero when the job began (n at most one granule, off granule-aligned).
func (t *changeTracker) isZero(j *backupJob, key string, current []byte, off, n int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := current[off : off+n]
	if saved, ok := j.scratch[key][off/cbtGranularity]; ok {
		b = saved[:n]
	}
	return bytes.Equal(b, zeroGranule[:n])
}

var zeroGranule = make([]byte, cbtGranularity)

// backupHook runs before the simulator's own reconcile of every object. It
// reconciles the backup.kubevirt.io kinds and exports of backups itself
// (done), and keeps change tracking of VMs, VMIs and PVCs up to date in place
// before their usual reconcile.
func (s *simulator) backupHook(ctx context.Context, gvr schema.GroupVersionResource, u *unstructured.Unstructured) (done bool, err error) {
	if u == nil {
		return gvr == gvrVMBackup || gvr == gvrVMBackupTracker, nil
	}
	switch gvr {
	case gvrVMBackup:
		return true, s.reconcileBackup(ctx, u)
	case gvrVMBackupTracker:
		return true, s.reconcileBackupTracker(ctx, u)
	}
	if u.GetDeletionTimestamp() != nil {
		return false, nil
	}
	switch gvr {
	case gvrVMExport:
		if isBackupExport(u) {
			return true, s.reconcileBackupExport(ctx, u)
		}
	case gvrVM:
		err = s.trackVM(ctx, u)
	case gvrVMI:
		err = s.trackVMI(ctx, u)
	case gvrPVC:
		err = s.applyDiskWrites(ctx, u)
	}
	return err != nil, err
}

// backupDependents are the objects to reconcile again when u changes.
func (s *simulator) backupDependents(gvr schema.GroupVersionResource, u *unstructured.Unstructured) []objectKey {
	ns := u.GetNamespace()
	inNamespace := func(of schema.GroupVersionResource) []objectKey {
		var out []objectKey
		objs, _ := s.cache.informers[of].GetIndexer().ByIndex(cache.NamespaceIndex, ns)
		for _, o := range objs {
			out = append(out, objectKey{of, ns, o.(*unstructured.Unstructured).GetName()})
		}
		return out
	}
	switch gvr {
	case gvrVM, gvrVMI:
		return append(inNamespace(gvrVMBackup), inNamespace(gvrVMBackupTracker)...)
	case gvrVMBackupTracker:
		return inNamespace(gvrVMBackup)
	case gvrVMBackup:
		return []objectKey{{gvrVMExport, ns, u.GetName()}}
	case gvrVMExport:
		if ref := metav1.GetControllerOf(u); ref != nil && ref.Kind == "VirtualMachineBackup" {
			return []objectKey{{gvrVMBackup, ns, ref.Name}}
		}
	}
	return nil
}

// reconcileBackup is the backup controller's sync: start the job, run the
// pull-mode export, abort on deletion or TTL, complete (advancing the
// tracker) once the job has ended.
//
// Switches (on the backup): stall "backup" -> the controller never touches it.
// On the VM: fail "freeze"/"guest-agent" -> the quiesce fails, the backup
// completes with a warning (crash-consistent data).
func (s *simulator) reconcileBackup(ctx context.Context, b *unstructured.Unstructured) error {
	if stalled("backup", b) {
		return nil
	}
	before := statusOf(b)
	if obj(b.Object, "status") == nil {
		set(b.Object, map[string]any{}, "status")
	}
	deleting := b.GetDeletionTimestamp() != nil
	if backupTerminal(b) {
		if deleting {
			return s.removeBackupFinalizer(ctx, b)
		}
		return nil
	}
	ns := b.GetNamespace()
	vmName := str(b.Object, "spec", "source", "name")
	var tracker *unstructured.Unstructured
	if str(b.Object, "spec", "source", "kind") == "VirtualMachineBackupTracker" {
		if tracker = s.cache.get(gvrVMBackupTracker, ns, vmName); tracker == nil {
			if deleting { // the tracker went first: end a running job before letting go
				if job := s.cbt.job(b.GetUID()); job != nil {
					if vmi := s.cache.get(gvrVMI, ns, job.vm); vmi != nil {
						if err := s.cleanupBackup(ctx, b, vmi); err != nil {
							return err
						}
					}
				}
				return s.removeBackupFinalizer(ctx, b)
			}
			setBackupCondition(b, "Progressing", "True", "Initializing", fmt.Sprintf("BackupTracker %s does not exist", vmName))
			return s.updateStatus(ctx, gvrVMBackup, before, b)
		}
		vmName = str(tracker.Object, "spec", "source", "name")
	}
	vmi := s.cache.get(gvrVMI, ns, vmName)
	var err error
	completed := false
	switch bs := vmiBackupStatus(vmi); {
	case bs != nil && str(bs, "backupName") == b.GetName() && isTrue(bs, "completed"):
		completed = true
		err = s.completeBackup(ctx, b, tracker, bs)
	case bs != nil && str(bs, "backupName") == b.GetName():
		err = s.activeBackup(ctx, b, vmi, bs, deleting)
	default:
		err = s.startBackup(ctx, b, vmName, vmi, tracker, deleting)
	}
	if uerr := s.updateStatus(ctx, gvrVMBackup, before, b); uerr != nil {
		return uerr
	}
	if completed && err == nil {
		// Only once the outcome is recorded: a status write lost to a
		// conflict must find the job's record again, not "status lost".
		err = s.clearVMIBackupStatus(ctx, vmi)
	}
	return err
}

func (s *simulator) startBackup(ctx context.Context, b *unstructured.Unstructured, vmName string, vmi, tracker *unstructured.Unstructured, deleting bool) error {
	ns := b.GetNamespace()
	if deleting {
		if vmi == nil {
			return s.removeBackupFinalizer(ctx, b)
		}
		if err := s.deleteBackupExport(ctx, b); err != nil {
			return err
		}
		setBackupFailed(b, "DeletedDuringInit", "backup was deleted during initialization")
		return nil
	}
	if str(b.Object, "status", "type") != "" { // the job's record on the VMI is gone
		if job := s.cbt.job(b.GetUID()); vmi != nil && job != nil && time.Since(job.started) < 10*time.Second {
			return retryAfter(200 * time.Millisecond) // or the VMI cache has not seen it yet
		}
		s.cbt.endJob(b.GetUID())
		if err := s.deleteBackupExport(ctx, b); err != nil {
			return err
		}
		if vmi == nil {
			setBackupFailed(b, "SourceLost", "VMI was deleted during backup")
		} else {
			setBackupFailed(b, "SourceLost", "VMI backup status was lost")
		}
		return nil
	}
	if reason := s.backupPrerequisites(ns, vmName, vmi, tracker); reason != "" {
		setBackupCondition(b, "Progressing", "True", "Initializing", reason)
		return nil
	}
	if bs := vmiBackupStatus(vmi); bs != nil {
		setBackupCondition(b, "Progressing", "True", "Initializing", fmt.Sprintf(
			"another backup %s is already in progress, cannot start backup %s", str(bs, "backupName"), b.GetName()))
		return retryAfter(time.Second)
	}
	if mode := str(b.Object, "spec", "mode"); mode != "Pull" {
		setBackupFailed(b, "Failed", "push mode is not simulated (kvb-sim plays pull mode only)")
		return nil
	}
	pvcName := str(b.Object, "spec", "pvcName")
	pvc := s.cache.get(gvrPVC, ns, pvcName)
	if pvc == nil {
		setBackupCondition(b, "Progressing", "True", "Initializing", fmt.Sprintf("PVC %s/%s doesnt exist", ns, pvcName))
		return nil
	}
	if str(pvc.Object, "spec", "volumeMode") == "Block" {
		return fmt.Errorf("backup target PVC must be a filesystem PVC, provided pvc %s/%s is block", ns, pvcName)
	}
	if err := s.addBackupFinalizer(ctx, b); err != nil {
		return err
	}
	status, backupType, err := s.beginBackupJob(ctx, b, vmName, vmi, tracker)
	if err != nil {
		return err
	}
	if err := s.patchVMIBackupStatus(ctx, vmi, status); err != nil {
		s.cbt.endJob(b.GetUID())
		return err
	}
	setBackupCondition(b, "Progressing", "True", "Initiated", "Backup is in progress")
	set(b.Object, backupType, "status", "type")
	return nil
}

// backupPrerequisites: checkPrerequisites of the backup controller; a
// non-empty reason keeps the backup Initializing.
func (s *simulator) backupPrerequisites(ns, vmName string, vmi, tracker *unstructured.Unstructured) string {
	switch {
	case s.cache.get(gvrVM, ns, vmName) == nil:
		return fmt.Sprintf("VM %s/%s doesnt exist", ns, vmName)
	case vmi == nil:
		return fmt.Sprintf("vm %s is not running, cannot do backup", vmName)
	case len(backupVolumes(vmi)) == 0:
		return fmt.Sprintf("vm %s has no volumes to backup", vmName)
	case cbtState(vmi) != cbtEnabled:
		return fmt.Sprintf("vm %s has no ChangedBlockTracking, cannot start backup", vmName)
	}
	if tracker != nil && str(tracker.Object, "status", "latestCheckpoint", "name") != "" {
		if v, _ := boolean(tracker.Object, "status", "checkpointRedefinitionRequired"); v {
			return fmt.Sprintf("Waiting for checkpoint redefinition on tracker %s", tracker.GetName())
		}
	}
	return ""
}

// backupVolumes lists the VMI's disks that get a CBT overlay (PVC and
// DataVolume volumes), with the target device libvirt gives them: vdX for
// virtio, sdX for sata/scsi, lettered in disk order.
func backupVolumes(vmi *unstructured.Unstructured) []jobVolume {
	claims := map[string]string{}
	for _, v := range slice(vmi.Object, "spec", "volumes") {
		vol := v.(map[string]any)
		claim := str(vol, "persistentVolumeClaim", "claimName")
		if dv := str(vol, "dataVolume", "name"); dv != "" {
			claim = dv
		}
		if claim != "" {
			claims[str(vol, "name")] = claim
		}
	}
	var out []jobVolume
	counts := map[string]int{}
	for _, d := range slice(vmi.Object, "spec", "domain", "devices", "disks") {
		disk := d.(map[string]any)
		bus := "virtio"
		for _, kind := range []string{"disk", "lun", "cdrom"} {
			if b := str(disk, kind, "bus"); b != "" {
				bus = b
			}
		}
		prefix := "vd"
		if bus != "virtio" {
			prefix = "sd"
		}
		target := prefix + string(rune('a'+counts[prefix]))
		counts[prefix]++
		if claim, ok := claims[str(disk, "name")]; ok {
			out = append(out, jobVolume{Name: str(disk, "name"), DiskTarget: target, Key: volumeKey(vmi.GetNamespace(), claim)})
		}
	}
	return out
}

// beginBackupJob is virt-launcher's StartBackup: quiesce (unless skipped),
// create the checkpoint and begin the job, thaw. It returns the job's
// record for the VMI's status.changedBlockTracking.backupStatus and the
// backup's type: Incremental when the tracker has a checkpoint and no full
// backup is forced, else Full (isIncrementalBackup of the controller).
func (s *simulator) beginBackupJob(ctx context.Context, b *unstructured.Unstructured, vmName string, vmi, tracker *unstructured.Unstructured) (map[string]any, string, error) {
	ns := b.GetNamespace()
	force, _ := boolean(b.Object, "spec", "forceFullBackup")
	base := ""
	if tracker != nil && !force {
		base = str(tracker.Object, "status", "latestCheckpoint", "name")
	}
	job := &backupJob{uid: b.GetUID(), namespace: ns, vm: vmName, incremental: base != "", volumes: backupVolumes(vmi)}
	if job.incremental {
		seq, ok := s.cbt.checkpointSeq(ns, vmName, base)
		if !ok {
			return nil, "", fmt.Errorf("checkpoint %s of VM %s/%s is unknown to the simulator", base, ns, vmName)
		}
		job.baseSeq = seq
	}
	for _, v := range job.volumes { // generated content is materialised once, so reads are cheap
		if !s.volumes.has(v.Key) {
			if err := s.volumes.write(v.Key, s.volumes.read(v.Key)); err != nil {
				return nil, "", err
			}
		}
	}
	created := b.GetCreationTimestamp()
	checkpoint := b.GetName() + "-" + created.UTC().Format(backupTimeXMLFormat)
	status := map[string]any{
		"backupName": b.GetName(), "startTimestamp": created.UTC().Format(time.RFC3339), "checkpointName": checkpoint,
	}
	quiesce := "Skipped"
	if skip, _ := boolean(b.Object, "spec", "skipQuiesce"); !skip {
		if code, msg := s.freezes.freeze(ctx, ns, vmName, 0, "virt-launcher", ""); code != 200 {
			quiesce = "Failed"
			status["backupMsg"] = msg
		} else {
			quiesce = "Succeeded"
			defer s.freezes.unfreeze(ctx, ns, vmName, "virt-launcher", "")
		}
	}
	status["quiesceStatus"] = quiesce
	s.cbt.beginJob(job, vmName, checkpoint)
	var vols []any
	for _, v := range job.volumes {
		vols = append(vols, map[string]any{"volumeName": v.Name, "diskTarget": v.DiskTarget})
	}
	status["volumes"] = vols
	if job.incremental {
		return status, "Incremental", nil
	}
	return status, "Full", nil
}

// activeBackup: reconcileActive of the controller while the job runs.
func (s *simulator) activeBackup(ctx context.Context, b, vmi *unstructured.Unstructured, bs map[string]any, deleting bool) error {
	if phase := str(vmi.Object, "status", "phase"); phase != "Running" || vmi.GetDeletionTimestamp() != nil {
		if err := s.cleanupBackup(ctx, b, vmi); err != nil {
			return err
		}
		setBackupFailed(b, "SourceUnhealthy", "VMI is not in a running state: "+phase)
		return nil
	}
	var err error
	switch {
	case deleting:
		if err = s.endBackupJob(ctx, b, vmi); err == nil {
			setBackupCondition(b, "Progressing", "True", "Aborting", "Backup is aborting")
		}
	case time.Now().After(backupExpiry(b)):
		if err = s.endBackupJob(ctx, b, vmi); err == nil {
			setBackupCondition(b, "Progressing", "True", "Aborting", "pull mode backup TTL has expired: Backup is aborting")
		}
	default:
		err = s.handlePullMode(ctx, b)
	}
	if str(b.Object, "status", "type") == "" { // the write that set it was lost to a conflict
		if job := s.cbt.job(b.GetUID()); job != nil && job.incremental {
			set(b.Object, "Incremental", "status", "type")
		} else if job != nil {
			set(b.Object, "Full", "status", "type")
		}
	}
	if len(slice(b.Object, "status", "includedVolumes")) == 0 && len(slice(bs, "volumes")) > 0 {
		set(b.Object, slice(bs, "volumes"), "status", "includedVolumes")
		set(b.Object, str(bs, "checkpointName"), "status", "checkpointName")
	}
	setQuiesced(b, str(bs, "quiesceStatus"))
	if err == nil && !deleting {
		err = retryAfter(time.Until(backupExpiry(b)) + time.Second) // abort when the TTL passes
	}
	return err
}

// endBackupJob is the abort of a pull-mode job: libvirt reports the job
// cancelled, which in pull mode is not a failure (HandleBackupJobCompletedEvent).
func (s *simulator) endBackupJob(ctx context.Context, b, vmi *unstructured.Unstructured) error {
	s.cbt.endJob(b.GetUID())
	return s.patchVMIBackupStatus(ctx, vmi, map[string]any{"completed": true, "failed": false, "endTimestamp": now()})
}

// handlePullMode: the owned export, the handshake (status.exportUID) once the
// export has its service, then the endpoints once it is Ready.
func (s *simulator) handlePullMode(ctx context.Context, b *unstructured.Unstructured) error {
	ns, name := b.GetNamespace(), b.GetName()
	exp := s.cache.get(gvrVMExport, ns, name)
	if exp == nil {
		if err := s.createBackupExport(ctx, b); err != nil {
			return err
		}
		setBackupCondition(b, "Progressing", "True", "PreparingExport", "Backup export is being initialized")
		unstructured.RemoveNestedField(b.Object, "status", "endpointCert")
		return nil
	}
	if !metav1.IsControlledBy(exp, b) {
		return fmt.Errorf("VMExport %s already exists but is not owned by backup %s", name, name)
	}
	if str(b.Object, "status", "exportUID") != string(exp.GetUID()) {
		if str(exp.Object, "status", "serviceName") != "" {
			set(b.Object, string(exp.GetUID()), "status", "exportUID")
		}
		return nil
	}
	if str(exp.Object, "status", "phase") != "Ready" || len(slice(b.Object, "status", "includedVolumes")) == 0 {
		return nil
	}
	links := obj(exp.Object, "status", "links", "external")
	endpoints := map[string]map[string]string{}
	for _, e := range slice(links, "backups") {
		eb := e.(map[string]any)
		urls := map[string]string{}
		for _, ep := range slice(eb, "endpoints") {
			urls[str(ep.(map[string]any), "endpoint")] = str(ep.(map[string]any), "url")
		}
		endpoints[str(eb, "name")] = urls
	}
	var vols []any
	for _, v := range slice(b.Object, "status", "includedVolumes") {
		vol := v.(map[string]any)
		if urls, ok := endpoints[str(vol, "volumeName")]; ok {
			vol["dataEndpoint"], vol["mapEndpoint"] = urls["data"], urls["map"]
		}
		vols = append(vols, vol)
	}
	setBackupCondition(b, "Progressing", "True", "ExportReady", "Backup export is ready to pull")
	set(b.Object, str(links, "cert"), "status", "endpointCert")
	set(b.Object, vols, "status", "includedVolumes")
	return nil
}

func (s *simulator) createBackupExport(ctx context.Context, b *unstructured.Unstructured) error {
	exp := newObject("export.kubevirt.io/v1", "VirtualMachineExport", b.GetNamespace(), b.GetName())
	set(exp.Object, []any{ownerRef(b, true)}, "metadata", "ownerReferences")
	remaining := max(time.Until(backupExpiry(b)), 0)
	set(exp.Object, map[string]any{
		"tokenSecretRef": str(b.Object, "spec", "tokenSecretRef"),
		"ttlDuration":    remaining.Round(time.Second).String(),
		"source":         map[string]any{"apiGroup": "backup.kubevirt.io", "kind": "VirtualMachineBackup", "name": b.GetName()},
	}, "spec")
	return s.create(ctx, gvrVMExport, exp)
}

// completeBackup: reconcileCompleted of the controller. The tracker's
// checkpoint advances to this backup's unless the job failed.
func (s *simulator) completeBackup(ctx context.Context, b, tracker *unstructured.Unstructured, bs map[string]any) error {
	failed := isTrue(bs, "failed")
	if tracker != nil && str(bs, "checkpointName") != "" && !failed {
		patch, _ := json.Marshal(map[string]any{"status": map[string]any{"latestCheckpoint": map[string]any{
			"name": str(bs, "checkpointName"), "creationTime": str(bs, "startTimestamp"), "volumes": slice(bs, "volumes"),
		}}})
		if _, err := s.res(gvrVMBackupTracker, tracker.GetNamespace()).Patch(ctx, tracker.GetName(), types.MergePatchType, patch,
			metav1.PatchOptions{}, "status"); err != nil {
			return err
		}
	}
	s.cbt.endJob(b.GetUID())
	if err := s.deleteBackupExport(ctx, b); err != nil {
		return err
	}
	msg, hasMsg := bs["backupMsg"].(string)
	switch {
	case failed:
		setBackupFailed(b, "Failed", msg)
	case hasMsg:
		message := "Completed VirtualMachineBackup, warning: " + msg
		setBackupCondition(b, "Complete", "True", "CompletedWithWarning", message)
		setBackupCondition(b, "Progressing", "False", "CompletedWithWarning", message)
	default:
		setBackupCondition(b, "Complete", "True", "Completed", "Successfully completed VirtualMachineBackup")
		setBackupCondition(b, "Progressing", "False", "Completed", "Successfully completed VirtualMachineBackup")
	}
	if tracker != nil && !failed {
		set(b.Object, str(bs, "checkpointName"), "status", "checkpointName")
	}
	set(b.Object, slice(bs, "volumes"), "status", "includedVolumes")
	setQuiesced(b, str(bs, "quiesceStatus"))
	return nil
}

// cleanupBackup: the export goes, the job's record leaves the VMI.
func (s *simulator) cleanupBackup(ctx context.Context, b, vmi *unstructured.Unstructured) error {
	s.cbt.endJob(b.GetUID())
	if err := s.deleteBackupExport(ctx, b); err != nil {
		return err
	}
	return s.clearVMIBackupStatus(ctx, vmi)
}

func (s *simulator) clearVMIBackupStatus(ctx context.Context, vmi *unstructured.Unstructured) error {
	patch := []byte(`{"status":{"changedBlockTracking":{"backupStatus":null}}}`)
	_, err := s.res(gvrVMI, vmi.GetNamespace()).Patch(ctx, vmi.GetName(), types.MergePatchType, patch, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func (s *simulator) deleteBackupExport(ctx context.Context, b *unstructured.Unstructured) error {
	exp := s.cache.get(gvrVMExport, b.GetNamespace(), b.GetName())
	if exp == nil || !metav1.IsControlledBy(exp, b) {
		return nil
	}
	err := s.res(gvrVMExport, b.GetNamespace()).Delete(ctx, b.GetName(), metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func (s *simulator) patchVMIBackupStatus(ctx context.Context, vmi *unstructured.Unstructured, fields map[string]any) error {
	patch, _ := json.Marshal(map[string]any{"status": map[string]any{"changedBlockTracking": map[string]any{"backupStatus": fields}}})
	_, err := s.res(gvrVMI, vmi.GetNamespace()).Patch(ctx, vmi.GetName(), types.MergePatchType, patch, metav1.PatchOptions{})
	return err
}

func vmiBackupStatus(vmi *unstructured.Unstructured) map[string]any {
	if vmi == nil {
		return nil
	}
	return obj(vmi.Object, "status", "changedBlockTracking", "backupStatus")
}

func isTrue(o map[string]any, field string) bool {
	v, _ := boolean(o, field)
	return v
}

// backupExpiry: the creation time plus spec.ttlDuration (default 2h).
func backupExpiry(b *unstructured.Unstructured) time.Time {
	ttl := defaultPullModeTTL
	if d, err := time.ParseDuration(str(b.Object, "spec", "ttlDuration")); err == nil {
		ttl = d
	}
	return b.GetCreationTimestamp().Add(ttl)
}

func backupTerminal(b *unstructured.Unstructured) bool {
	return backupConditionStatus(b, "Complete") == "True" || backupConditionStatus(b, "Failed") == "True"
}

func backupConditionStatus(b *unstructured.Unstructured, typ string) string {
	for _, c := range slice(b.Object, "status", "conditions") {
		if m := c.(map[string]any); str(m, "type") == typ {
			return str(m, "status")
		}
	}
	return ""
}

// setBackupCondition is meta.SetStatusCondition over unstructured content.
func setBackupCondition(b *unstructured.Unstructured, typ, status, reason, message string) {
	conds := slice(b.Object, "status", "conditions")
	for i, c := range conds {
		m := c.(map[string]any)
		if str(m, "type") != typ {
			continue
		}
		if str(m, "status") != status {
			m["lastTransitionTime"] = now()
		}
		m["status"], m["reason"], m["message"] = status, reason, message
		conds[i] = m
		set(b.Object, conds, "status", "conditions")
		return
	}
	conds = append(conds, map[string]any{"type": typ, "status": status, "reason": reason, "message": message, "lastTransitionTime": now()})
	set(b.Object, conds, "status", "conditions")
}

func setBackupFailed(b *unstructured.Unstructured, reason, message string) {
	message = "Backup has failed: " + message
	setBackupCondition(b, "Failed", "True", reason, message)
	setBackupCondition(b, "Progressing", "False", reason, message)
}

// setQuiesced: the Quiesced condition from the job's quiesceStatus.
func setQuiesced(b *unstructured.Unstructured, quiesce string) {
	switch quiesce {
	case "Succeeded":
		setBackupCondition(b, "Quiesced", "True", "QuiesceSucceeded", "Guest filesystem was successfully quiesced")
	case "Failed":
		setBackupCondition(b, "Quiesced", "False", "QuiesceFailed", "Guest filesystem quiesce failed")
	case "Skipped":
		setBackupCondition(b, "Quiesced", "False", "QuiesceSkipped", "Guest filesystem quiesce was skipped")
	}
}

func (s *simulator) addBackupFinalizer(ctx context.Context, b *unstructured.Unstructured) error {
	for _, f := range b.GetFinalizers() {
		if f == backupFinalizer {
			return nil
		}
	}
	return s.patchBackupFinalizers(ctx, b, append(b.GetFinalizers(), backupFinalizer))
}

func (s *simulator) removeBackupFinalizer(ctx context.Context, b *unstructured.Unstructured) error {
	var keep []string
	for _, f := range b.GetFinalizers() {
		if f != backupFinalizer {
			keep = append(keep, f)
		}
	}
	if len(keep) == len(b.GetFinalizers()) {
		return nil
	}
	return s.patchBackupFinalizers(ctx, b, keep)
}

// patchBackupFinalizers replaces the finalizers (guarded by the
// resourceVersion) and refreshes b's metadata so its status can still be written.
func (s *simulator) patchBackupFinalizers(ctx context.Context, b *unstructured.Unstructured, finalizers []string) error {
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{
		"finalizers": orEmptyStrings(finalizers), "resourceVersion": b.GetResourceVersion()}})
	patched, err := s.res(gvrVMBackup, b.GetNamespace()).Patch(ctx, b.GetName(), types.MergePatchType, patch, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	b.SetResourceVersion(patched.GetResourceVersion())
	b.SetFinalizers(patched.GetFinalizers())
	return nil
}

func orEmptyStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func isBackupExport(exp *unstructured.Unstructured) bool {
	return str(exp.Object, "spec", "source", "kind") == "VirtualMachineBackup"
}

// reconcileBackupExport plays the export controller for a backup source: the
// token, then phase Ready while the backup is progressing and has volumes,
// with links to the map and data endpoints of each volume
// (VMBackupSource.ConfigureExportLink); deleted when its TTL passes.
//
// Switches (on the export or its backup): fail "export" -> Terminated;
// stall "export" -> stays Pending.
func (s *simulator) reconcileBackupExport(ctx context.Context, exp *unstructured.Unstructured) error {
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
	b := s.cache.get(gvrVMBackup, ns, str(exp.Object, "spec", "source", "name"))
	if b == nil || str(b.Object, "status", "type") == "" {
		return retryAfter(time.Second) // "backup status empty"
	}
	set(exp.Object, str(exp.Object, "spec", "tokenSecretRef"), "status", "tokenSecretRef")
	set(exp.Object, expiry.UTC().Format(time.RFC3339), "status", "ttlExpirationTime")
	set(exp.Object, "virt-export-"+name, "status", "serviceName")
	progressing, progressMsg := "", ""
	for _, c := range slice(b.Object, "status", "conditions") {
		if m := c.(map[string]any); str(m, "type") == "Progressing" {
			progressing, progressMsg = str(m, "status"), str(m, "message")
		}
	}
	vols := slice(b.Object, "status", "includedVolumes")
	phase, status, reason, msg := "Ready", "True", "podReady", ""
	switch {
	case failing("export", exp, b):
		phase, status, reason, msg = "Terminated", "False", "podFailed", "simulated exporter failure"
	case progressing != "True":
		phase, status, reason, msg = "Pending", "False", "VirtualMachineBackupReady", progressMsg
	case len(vols) == 0:
		phase, status, reason, msg = "Pending", "False", "VirtualMachineBackupReady", "VMBackup has no included volumes"
	case stalled("export", exp, b):
		phase, status, reason, msg = "Pending", "False", "podPending", "exporter pod is pending"
	}
	set(exp.Object, phase, "status", "phase")
	setConditions(exp, []map[string]any{condition("Ready", status, reason, msg)}, "status", "conditions")
	if phase == "Ready" {
		set(exp.Object, s.backupExportLinks(ns, name, vols), "status", "links")
	} else {
		unstructured.RemoveNestedField(exp.Object, "status", "links")
	}
	if err := s.updateStatus(ctx, gvrVMExport, before, exp); err != nil {
		return err
	}
	return retryAfter(time.Until(expiry) + time.Second)
}

// backupExportLinks: per volume a map and a data endpoint under
// /exports/<volume>/ (backupMapURI, backupDataURI), internal and external.
func (s *simulator) backupExportLinks(ns, name string, vols []any) map[string]any {
	link := func(base string) map[string]any {
		var backups []any
		for _, v := range vols {
			vol := str(v.(map[string]any), "volumeName")
			backups = append(backups, map[string]any{"name": vol, "endpoints": []any{
				map[string]any{"endpoint": "data", "url": base + "/exports/" + vol + "/data"},
				map[string]any{"endpoint": "map", "url": base + "/exports/" + vol + "/map"},
			}})
		}
		return map[string]any{"cert": s.caPEM, "backups": backups}
	}
	return map[string]any{
		"internal": link(fmt.Sprintf("https://virt-export-%s.%s.svc", name, ns)),
		"external": link(fmt.Sprintf("https://127.0.0.1:%d/api/export.kubevirt.io/v1/namespaces/%s/virtualmachineexports/%s",
			s.ports.ExportPort, ns, name)),
	}
}

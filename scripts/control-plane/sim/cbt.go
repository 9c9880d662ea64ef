// Changed block tracking as KubeVirt 1.9 plays it: which VMs are tracked (the
// KubeVirt CR's changedBlockTrackingLabelSelectors and the IncrementalBackup
// feature gate), the VM's and VMI's status.changedBlockTracking.state, the
// trackers' checkpoint redefinition after a restart, and the dirty bitmaps the
// simulator keeps per volume for the write switch (see backup.go for backups).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"strconv"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

var (
	gvrVMBackup        = schema.GroupVersionResource{Group: "backup.kubevirt.io", Version: "v1alpha1", Resource: "virtualmachinebackups"}
	gvrVMBackupTracker = schema.GroupVersionResource{Group: "backup.kubevirt.io", Version: "v1alpha1", Resource: "virtualmachinebackuptrackers"}
	gvrNamespace       = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
)

// The backup kinds join the watched resources (their informers index by
// namespace already, cache.NamespaceIndex).
func init() {
	watched = append(watched, gvrVMBackup, gvrVMBackupTracker)
}

const (
	// annWrite on a PVC: "<offset>:<length>[,<offset>:<length>…]" (bytes) to
	// overwrite with new deterministic content, once per distinct value.
	annWrite = "sim.kvbackup.test/write"
	// annWritten acknowledges the last write value applied to the PVC.
	annWritten = "sim.kvbackup.test/written"

	// KubeVirt's feature gate and the states of status.changedBlockTracking.state
	// (kubevirt.io/api core/v1 ChangedBlockTrackingState, pkg/storage/cbt/cbt.go).
	incrementalBackupGate = "IncrementalBackup"
	cbtUndefined          = ""
	cbtPendingRestart     = "PendingRestart"
	cbtInitializing       = "Initializing"
	cbtEnabled            = "Enabled"
	cbtDisabled           = "Disabled"
	cbtGateDisabled       = "IncrementalBackupFeatureGateDisabled"

	// cbtGranularity is the dirty bitmap granularity: QEMU's default is the
	// qcow2 cluster size of the overlay, 64 KiB.
	cbtGranularity = 64 << 10
)

// cbtLabel is the label the simulator's KubeVirt CR selects namespaces and
// VMs by, as KubeVirt's own tests do (pkg/storage/cbt/cbt.go CBTLabel).
var cbtLabel = map[string]any{"changedBlockTracking": "true"}

// volumeWrite is one range the write switch overwrote, in global order.
type volumeWrite struct {
	seq            uint64
	offset, length int64
}

// changeTracker holds what libvirt and QEMU would: the writes per volume (the
// dirty bitmaps), the checkpoints (the write sequence number at their
// creation), the running backup jobs with their copy-before-write scratch,
// and the bytes the backup endpoints served.
type changeTracker struct {
	mu          sync.Mutex
	seq         uint64
	writes      map[string][]volumeWrite   // volume key -> writes
	applied     map[string]map[string]bool // volume key -> write values applied
	checkpoints map[string]uint64          // ns/vm/checkpoint -> seq at creation
	jobs        map[types.UID]*backupJob   // backup UID -> running job

	transfersMu sync.Mutex
	transfers   map[string]*transferCount // ns/export/volume -> counters

	configMu     sync.Mutex
	config       cbtConfig
	configAt     time.Time
	nsLabels     map[string]labels.Set
	nsLabelsTime map[string]time.Time
}

func newChangeTracker() *changeTracker {
	return &changeTracker{
		writes: map[string][]volumeWrite{}, applied: map[string]map[string]bool{},
		checkpoints: map[string]uint64{}, jobs: map[types.UID]*backupJob{}, transfers: map[string]*transferCount{},
		nsLabels: map[string]labels.Set{}, nsLabelsTime: map[string]time.Time{},
	}
}

// cbtConfig is the part of the KubeVirt CR that decides tracking.
type cbtConfig struct {
	gate              bool
	namespaceSelector labels.Selector // nil: none
	vmSelector        labels.Selector
}

// bootstrapChangedBlockTracking turns on the IncrementalBackup gate and
// selects namespaces and VMs labelled changedBlockTracking=true, so a test
// opts in by labelling its namespace or VM (and may patch the CR to opt out).
func (s *simulator) bootstrapChangedBlockTracking(ctx context.Context) error {
	kv, err := s.res(gvrKubeVirt, "kubevirt").Get(ctx, "kubevirt", getOpts)
	if err != nil {
		return err
	}
	gates := slice(kv.Object, "spec", "configuration", "developerConfiguration", "featureGates")
	for _, g := range gates {
		if g == incrementalBackupGate {
			return nil // configured already (a restarted simulator)
		}
	}
	gates = append(gates, incrementalBackupGate)
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"configuration": map[string]any{
		"developerConfiguration": map[string]any{"featureGates": gates},
		"changedBlockTrackingLabelSelectors": map[string]any{
			"namespaceLabelSelector":      map[string]any{"matchLabels": cbtLabel},
			"virtualMachineLabelSelector": map[string]any{"matchLabels": cbtLabel},
		},
	}}})
	_, err = s.res(gvrKubeVirt, "kubevirt").Patch(ctx, "kubevirt", types.MergePatchType, patch, metav1.PatchOptions{})
	return err
}

// cbtConfig reads the KubeVirt CR, at most once a second.
func (s *simulator) cbtConfig(ctx context.Context) cbtConfig {
	t := s.cbt
	t.configMu.Lock()
	defer t.configMu.Unlock()
	if time.Since(t.configAt) < time.Second {
		return t.config
	}
	cfg := cbtConfig{}
	if kv, err := s.res(gvrKubeVirt, "kubevirt").Get(ctx, "kubevirt", getOpts); err == nil {
		for _, g := range slice(kv.Object, "spec", "configuration", "developerConfiguration", "featureGates") {
			cfg.gate = cfg.gate || g == incrementalBackupGate
		}
		sel := obj(kv.Object, "spec", "configuration", "changedBlockTrackingLabelSelectors")
		cfg.namespaceSelector = labelSelector(obj(sel, "namespaceLabelSelector"))
		cfg.vmSelector = labelSelector(obj(sel, "virtualMachineLabelSelector"))
	}
	t.config, t.configAt = cfg, time.Now()
	return cfg
}

// labelSelector converts a metav1.LabelSelector; nil (no selector) when
// absent or invalid, as KubeVirt treats an invalid one.
func labelSelector(m map[string]any) labels.Selector {
	if m == nil {
		return nil
	}
	var ls metav1.LabelSelector
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &ls); err != nil {
		return nil
	}
	sel, err := metav1.LabelSelectorAsSelector(&ls)
	if err != nil {
		return nil
	}
	return sel
}

func (s *simulator) namespaceLabels(ctx context.Context, ns string) labels.Set {
	t := s.cbt
	t.configMu.Lock()
	if at, ok := t.nsLabelsTime[ns]; ok && time.Since(at) < time.Second {
		l := t.nsLabels[ns]
		t.configMu.Unlock()
		return l
	}
	t.configMu.Unlock()
	var l labels.Set
	if o, err := s.res(gvrNamespace, "").Get(ctx, ns, getOpts); err == nil {
		l = o.GetLabels()
	}
	t.configMu.Lock()
	t.nsLabels[ns], t.nsLabelsTime[ns] = l, time.Now()
	t.configMu.Unlock()
	return l
}

// vmMatchesSelectors: vmMatchesChangedBlockTrackingSelectors of pkg/storage/cbt/cbt.go.
func (s *simulator) vmMatchesSelectors(ctx context.Context, cfg cbtConfig, vm *unstructured.Unstructured) bool {
	if cfg.vmSelector != nil && cfg.vmSelector.Matches(labels.Set(vm.GetLabels())) {
		return true
	}
	return cfg.namespaceSelector != nil && cfg.namespaceSelector.Matches(s.namespaceLabels(ctx, vm.GetNamespace()))
}

func cbtState(u *unstructured.Unstructured) string {
	return str(u.Object, "status", "changedBlockTracking", "state")
}

// syncVMChangedBlockTracking is SyncVMChangedBlockTrackingState of
// pkg/storage/cbt/cbt.go: the VM's state from the selectors, the gate and the
// VMI's state. It returns the new state and whether the field is removed.
func syncVMChangedBlockTracking(gate, matches bool, vmState string, vmi *unstructured.Unstructured) (state string, remove bool) {
	vmiState := cbtUndefined
	if vmi != nil {
		vmiState = cbtState(vmi)
	}
	vmiDisabled := vmi == nil || vmiState == cbtUndefined || vmiState == cbtDisabled
	if !gate {
		if vmState == cbtGateDisabled {
			return vmState, false
		}
		if vmiDisabled {
			if matches {
				return cbtGateDisabled, false
			}
			return "", vmState != cbtUndefined
		}
		if vmState == cbtInitializing || vmState == cbtEnabled {
			return cbtPendingRestart, false
		}
		return vmState, false
	}
	if !matches {
		switch {
		case vmState == cbtUndefined || vmState == cbtDisabled:
			return vmState, false
		case vmiDisabled:
			return cbtDisabled, false
		}
		return cbtPendingRestart, false
	}
	if vmi == nil {
		if vmState == cbtEnabled {
			return cbtEnabled, false
		}
		return cbtInitializing, false
	}
	switch vmState {
	case cbtUndefined, cbtGateDisabled:
		return cbtPendingRestart, false
	case cbtPendingRestart, cbtDisabled:
		switch vmiState {
		case cbtInitializing, cbtEnabled:
			return vmiState, false
		}
		return cbtPendingRestart, false
	case cbtInitializing, cbtEnabled:
		if vmiState == cbtEnabled {
			return cbtEnabled, false
		}
		return cbtInitializing, false
	}
	return cbtUndefined, false
}

// trackVM updates the VM's status.changedBlockTracking in place (u is
// refreshed from the write, so the VM reconcile that follows does not conflict).
func (s *simulator) trackVM(ctx context.Context, vm *unstructured.Unstructured) error {
	cfg := s.cbtConfig(ctx)
	old := cbtState(vm)
	if cfg.gate && old == cbtUndefined && cfg.vmSelector == nil && cfg.namespaceSelector == nil {
		return nil
	}
	matches := s.vmMatchesSelectors(ctx, cfg, vm)
	state, remove := syncVMChangedBlockTracking(cfg.gate, matches, old, s.cache.get(gvrVMI, vm.GetNamespace(), vm.GetName()))
	if state == old && !remove {
		return nil
	}
	if remove {
		unstructured.RemoveNestedField(vm.Object, "status", "changedBlockTracking")
	} else {
		set(vm.Object, state, "status", "changedBlockTracking", "state")
	}
	updated, err := s.res(gvrVM, vm.GetNamespace()).UpdateStatus(ctx, vm, metav1.UpdateOptions{})
	if err != nil {
		return err
	}
	vm.Object = updated.Object
	return nil
}

// trackVMI plays SetChangedBlockTrackingOnVMI (a VMI started while its VM is
// selected starts Initializing) and virt-handler's HandleChangedBlockTracking:
// once the guest runs, trackers with a checkpoint are marked for
// redefinition, then the state becomes Enabled.
func (s *simulator) trackVMI(ctx context.Context, vmi *unstructured.Unstructured) error {
	vm := s.ownerVM(vmi)
	if vm == nil {
		return nil
	}
	cfg := s.cbtConfig(ctx)
	state := cbtState(vmi)
	switch {
	case state == cbtUndefined && cfg.gate && (cbtState(vm) == cbtInitializing || cbtState(vm) == cbtEnabled) &&
		s.vmMatchesSelectors(ctx, cfg, vm):
		state = cbtInitializing
	case state == cbtUndefined && cbtState(vm) != cbtUndefined && cfg.gate && !s.vmMatchesSelectors(ctx, cfg, vm):
		state = cbtDisabled
	case state == cbtInitializing && str(vmi.Object, "status", "phase") == "Running":
		if err := s.markTrackersForRedefinition(ctx, vmi); err != nil {
			return err
		}
		state = cbtEnabled
	default:
		return nil
	}
	set(vmi.Object, state, "status", "changedBlockTracking", "state")
	updated, err := s.res(gvrVMI, vmi.GetNamespace()).Update(ctx, vmi, metav1.UpdateOptions{})
	if err != nil {
		return err
	}
	vmi.Object = updated.Object
	return nil
}

// trackersOf lists the trackers in ns whose source is the VM named vm.
func (s *simulator) trackersOf(ns, vm string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	objs, _ := s.cache.informers[gvrVMBackupTracker].GetIndexer().ByIndex(cache.NamespaceIndex, ns)
	for _, o := range objs {
		t := o.(*unstructured.Unstructured)
		if str(t.Object, "spec", "source", "name") == vm {
			out = append(out, t.DeepCopy())
		}
	}
	return out
}

// markTrackersForRedefinition: libvirt forgot its checkpoints when the VM
// restarted, so each tracker's checkpoint must be defined again.
func (s *simulator) markTrackersForRedefinition(ctx context.Context, vmi *unstructured.Unstructured) error {
	for _, t := range s.trackersOf(vmi.GetNamespace(), vmi.GetName()) {
		if str(t.Object, "status", "latestCheckpoint", "name") == "" {
			continue
		}
		if v, _ := boolean(t.Object, "status", "checkpointRedefinitionRequired"); v {
			continue
		}
		patch := []byte(`{"status":{"checkpointRedefinitionRequired":true}}`)
		if _, err := s.res(gvrVMBackupTracker, t.GetNamespace()).Patch(ctx, t.GetName(), types.MergePatchType, patch,
			metav1.PatchOptions{}, "status"); err != nil {
			return err
		}
	}
	return nil
}

// reconcileBackupTracker plays the backup controller's tracker worker: it
// redefines the checkpoint in the restarted VM; a checkpoint libvirt cannot
// redefine (switch fail "checkpoint-redefinition" on the VM or tracker, or one
// this simulator never created) is cleared, so the next backup is Full.
func (s *simulator) reconcileBackupTracker(ctx context.Context, t *unstructured.Unstructured) error {
	required, _ := boolean(t.Object, "status", "checkpointRedefinitionRequired")
	checkpoint := str(t.Object, "status", "latestCheckpoint", "name")
	if !required || checkpoint == "" {
		return nil
	}
	ns, vmName := t.GetNamespace(), str(t.Object, "spec", "source", "name")
	if s.cache.get(gvrVMI, ns, vmName) == nil {
		return retryAfter(time.Second) // "VMI not found": retried
	}
	vm := s.cache.get(gvrVM, ns, vmName)
	ops := `[{"op":"remove","path":"/status/checkpointRedefinitionRequired"}]`
	if failing("checkpoint-redefinition", vm, t) || !s.cbt.hasCheckpoint(ns, vmName, checkpoint) {
		log.Printf("tracker %s/%s: checkpoint %s cannot be redefined; cleared, the next backup is full", ns, t.GetName(), checkpoint)
		ops = `[{"op":"remove","path":"/status/checkpointRedefinitionRequired"},{"op":"remove","path":"/status/latestCheckpoint"}]`
	}
	_, err := s.res(gvrVMBackupTracker, ns).Patch(ctx, t.GetName(), types.JSONPatchType, []byte(ops), metav1.PatchOptions{}, "status")
	return err
}

// writeRange is one "<offset>:<length>" of the write switch.
type writeRange struct{ offset, length int64 }

func parseWriteRanges(v string) ([]writeRange, error) {
	var out []writeRange
	for _, part := range strings.Split(v, ",") {
		o, l, ok := strings.Cut(strings.TrimSpace(part), ":")
		off, err1 := strconv.ParseInt(o, 10, 64)
		n, err2 := strconv.ParseInt(l, 10, 64)
		if !ok || err1 != nil || err2 != nil || off < 0 || n <= 0 {
			return nil, fmt.Errorf("%q is not <offset>:<length> in bytes", part)
		}
		out = append(out, writeRange{off, n})
	}
	return out, nil
}

// writeContent is what the write switch puts at one range: the generated
// content of the key "<volume key>#write=<annotation value>#<offset>".
func writeContent(key, value string, r writeRange) []byte {
	return generated(fmt.Sprintf("%s#write=%s#%d", key, value, r.offset), int(r.length))
}

// applyDiskWrites handles the write switch on a bound PVC: the ranges get new
// content, are marked dirty in every checkpoint's bitmap, and running backups
// keep the old bytes (copy-before-write). The value is acknowledged in
// annWritten; u is refreshed from that update.
func (s *simulator) applyDiskWrites(ctx context.Context, pvc *unstructured.Unstructured) error {
	ann := pvc.GetAnnotations()
	value := ann[annWrite]
	if value == "" || ann[annWritten] == value || str(pvc.Object, "status", "phase") != "Bound" {
		return nil
	}
	key := volumeKey(pvc.GetNamespace(), pvc.GetName())
	ranges, err := parseWriteRanges(value)
	if err != nil {
		log.Printf("pvc %s/%s: %s %s: %v", pvc.GetNamespace(), pvc.GetName(), annWrite, value, err)
		return nil
	}
	s.cbt.write(s.volumes, key, value, ranges)
	ann[annWritten] = value
	pvc.SetAnnotations(ann)
	updated, err := s.res(gvrPVC, pvc.GetNamespace()).Update(ctx, pvc, metav1.UpdateOptions{})
	if err != nil {
		return err
	}
	pvc.Object = updated.Object
	return nil
}

// write applies one write value to a volume, once: ranges past the end of
// the disk are cut at its size.
func (t *changeTracker) write(volumes *volumeStore, key, value string, ranges []writeRange) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.applied[key][value] {
		return
	}
	old := volumes.read(key)
	data := bytes.Clone(old)
	size := int64(len(data))
	for _, r := range ranges {
		if r.offset >= size {
			continue
		}
		r.length = min(r.length, size-r.offset)
		for _, job := range t.jobs {
			job.preserve(key, old, r)
		}
		copy(data[r.offset:], writeContent(key, value, r))
		t.seq++
		t.writes[key] = append(t.writes[key], volumeWrite{t.seq, r.offset, r.length})
	}
	if err := volumes.write(key, data); err != nil {
		log.Printf("write %s: %v", key, err)
		return
	}
	if t.applied[key] == nil {
		t.applied[key] = map[string]bool{}
	}
	t.applied[key][value] = true
}

func (t *changeTracker) checkpointSeq(ns, vm, name string) (uint64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	seq, ok := t.checkpoints[ns+"/"+vm+"/"+name]
	return seq, ok
}

func (t *changeTracker) hasCheckpoint(ns, vm, name string) bool {
	_, ok := t.checkpointSeq(ns, vm, name)
	return ok
}

// dirtyGranules lists the granules of key written after seq `after` up to
// and including `upTo`: the dirty bitmap of the checkpoint taken at `after`
// as the backup started at `upTo` sees it.
func (t *changeTracker) dirtyGranules(key string, after, upTo uint64) map[int64]bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	dirty := map[int64]bool{}
	for _, w := range t.writes[key] {
		if w.seq <= after || w.seq > upTo {
			continue
		}
		for c := w.offset / cbtGranularity; c*cbtGranularity < w.offset+w.length; c++ {
			dirty[c] = true
		}
	}
	return dirty
}

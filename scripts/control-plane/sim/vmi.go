package main

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// reconcileVMI plays virt-controller and virt-handler for one VMI: a
// virt-launcher Pod object (it never schedules: there is no kubelet), the
// phase, and the conditions a running guest would report.
//
// Switches: fail "start" -> phase Failed; stall "start" -> stays Scheduling;
// fail "guest-agent" -> AgentConnected is never reported.
func (s *simulator) reconcileVMI(ctx context.Context, vmi *unstructured.Unstructured) error {
	owner := s.ownerVM(vmi)
	before := statusOf(vmi)
	if len(obj(vmi.Object, "status", "activePods")) == 0 {
		uid, err := s.createLauncherPod(ctx, vmi)
		if err != nil {
			return err
		}
		set(vmi.Object, map[string]any{uid: "sim-node"}, "status", "activePods")
	}

	phase := "Running"
	switch {
	case failing("start", vmi, owner):
		phase = "Failed"
	case stalled("start", vmi, owner):
		phase = "Scheduling"
	case !s.volumesReady(vmi):
		phase = "Pending"
	}
	set(vmi.Object, phase, "status", "phase")
	conds := []map[string]any{}
	if phase == "Running" {
		set(vmi.Object, "sim-node", "status", "nodeName")
		set(vmi.Object, "Burstable", "status", "qosClass")
		set(vmi.Object, kubevirtVersion, "status", "launcherContainerImageVersion")
		conds = append(conds, condition("Ready", "True", "", ""))
		if !failing("guest-agent", vmi, owner) {
			conds = append(conds, condition("AgentConnected", "True", "", ""))
			set(vmi.Object, map[string]any{"id": "fedora", "name": "Fedora Linux", "version": "42",
				"kernelRelease": "6.14.0-sim"}, "status", "guestOSInfo")
		}
	} else {
		conds = append(conds, condition("Ready", "False", "GuestNotRunning", "Guest VM is not reported as running"))
	}
	setConditions(vmi, conds, "status", "conditions")
	if s.freezes.isFrozen(vmi.GetNamespace(), vmi.GetName()) {
		set(vmi.Object, "frozen", "status", "fsFreezeStatus")
	} else {
		unstructured.RemoveNestedField(vmi.Object, "status", "fsFreezeStatus")
	}
	return s.updateStatus(ctx, gvrVMI, before, vmi)
}

func (s *simulator) ownerVM(vmi *unstructured.Unstructured) *unstructured.Unstructured {
	for _, ref := range vmi.GetOwnerReferences() {
		if ref.Kind == "VirtualMachine" {
			return s.cache.get(gvrVM, vmi.GetNamespace(), ref.Name)
		}
	}
	return nil
}

// createLauncherPod creates the Pod virt-controller would, labelled so the
// product can find it (kubevirt.io/created-by=<VMI UID>), and returns its UID.
func (s *simulator) createLauncherPod(ctx context.Context, vmi *unstructured.Unstructured) (string, error) {
	pod := newObject("v1", "Pod", vmi.GetNamespace(), "")
	pod.SetGenerateName("virt-launcher-" + vmi.GetName() + "-")
	pod.SetLabels(map[string]string{
		"kubevirt.io":            "virt-launcher",
		"kubevirt.io/created-by": string(vmi.GetUID()),
		"vm.kubevirt.io/name":    vmi.GetName(),
	})
	pod.SetAnnotations(map[string]string{"kubevirt.io/domain": vmi.GetName()})
	set(pod.Object, []any{ownerRef(vmi, true)}, "metadata", "ownerReferences")
	set(pod.Object, map[string]any{
		"automountServiceAccountToken": false,
		"restartPolicy":                "Never",
		"containers": []any{map[string]any{
			"name": "compute", "image": "quay.io/kubevirt/virt-launcher:" + kubevirtVersion,
			"command": []any{"/usr/bin/virt-launcher-monitor"},
		}},
	}, "spec")
	created, err := s.res(gvrPod, vmi.GetNamespace()).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		return "", err // e.g. the namespace's default ServiceAccount is not there yet: retried
	}
	return string(created.GetUID()), nil
}

// volumesReady: every PVC is bound, and a claim a DataVolume controls waits for it to succeed. As in KubeVirt
// (pkg/storage/types/pvc.go VolumeReadyToAttachToNode and CDI's IsSucceededOrPendingPopulation), a dataVolume
// volume is decided by its claim: a claim no DataVolume controls (CDI garbage-collected the DataVolume) counts
// as populated.
func (s *simulator) volumesReady(vmi *unstructured.Unstructured) bool {
	ns := vmi.GetNamespace()
	for _, v := range slice(vmi.Object, "spec", "volumes") {
		vol := v.(map[string]any)
		claim := str(vol, "persistentVolumeClaim", "claimName")
		if dv := str(vol, "dataVolume", "name"); dv != "" {
			claim = dv
		}
		if claim == "" {
			continue
		}
		pvc := s.cache.get(gvrPVC, ns, claim)
		if pvc == nil || str(pvc.Object, "status", "phase") != "Bound" {
			return false
		}
		if owner := metav1.GetControllerOf(pvc); owner != nil && owner.Kind == "DataVolume" {
			d := s.cache.get(gvrDV, ns, owner.Name)
			if d == nil || str(d.Object, "status", "phase") != "Succeeded" {
				return false
			}
		}
	}
	return true
}

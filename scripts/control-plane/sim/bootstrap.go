package main

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

const cdiVersion = "v1.65.0"

// bootstrap gives the installed-operator objects the status a deployed
// KubeVirt and CDI would have, so product code that checks them (versions,
// the upload proxy URL, storage profiles) sees a working installation.
func (s *simulator) bootstrap(ctx context.Context) error {
	kv := newObject("kubevirt.io/v1", "KubeVirt", "kubevirt", "kubevirt")
	set(kv.Object, map[string]any{"configuration": map[string]any{"developerConfiguration": map[string]any{
		"featureGates": []any{"Snapshot", "VMExport"}}}}, "spec")
	if err := s.ensureStatus(ctx, gvrKubeVirt, kv, map[string]any{
		"phase": "Deployed", "observedKubeVirtVersion": kubevirtVersion, "targetKubeVirtVersion": kubevirtVersion,
		"observedKubeVirtRegistry": "quay.io/kubevirt",
		"conditions":               []any{condition("Available", "True", "AllComponentsReady", "All components are ready.")},
	}); err != nil {
		return err
	}
	cdi := newObject("cdi.kubevirt.io/v1beta1", "CDI", "", "cdi")
	set(cdi.Object, map[string]any{}, "spec")
	if err := s.ensureStatus(ctx, gvrCDI, cdi, map[string]any{
		"phase": "Deployed", "observedVersion": cdiVersion, "targetVersion": cdiVersion, "operatorVersion": cdiVersion,
	}); err != nil {
		return err
	}
	cfg := newObject("cdi.kubevirt.io/v1beta1", "CDIConfig", "", "config")
	set(cfg.Object, map[string]any{}, "spec")
	if err := s.ensureStatus(ctx, gvrCDIConfig, cfg, map[string]any{
		"uploadProxyURL":                 fmt.Sprintf("https://127.0.0.1:%d", s.ports.UploadPort),
		"scratchSpaceStorageClass":       "",
		"defaultPodResourceRequirements": map[string]any{},
	}); err != nil {
		return err
	}
	classes, err := s.res(gvrStorageClass, "").List(ctx, listAll)
	if err != nil {
		return err
	}
	for _, sc := range classes.Items {
		sp := newObject("cdi.kubevirt.io/v1beta1", "StorageProfile", "", sc.GetName())
		set(sp.Object, map[string]any{}, "spec")
		if err := s.ensureStatus(ctx, gvrStorageProf, sp, map[string]any{
			"storageClass": sc.GetName(), "provisioner": str(sc.Object, "provisioner"),
			"claimPropertySets": []any{map[string]any{"accessModes": []any{"ReadWriteOnce"}, "volumeMode": "Filesystem"}},
			"cloneStrategy":     "snapshot", "dataImportCronSourceFormat": "pvc",
		}); err != nil {
			return err
		}
	}
	return nil
}

// ensureStatus creates u if needed and sets its status.
func (s *simulator) ensureStatus(ctx context.Context, gvr schema.GroupVersionResource, u *unstructured.Unstructured, status map[string]any) error {
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		if err = s.create(ctx, gvr, u); err == nil {
			var cur *unstructured.Unstructured
			if cur, err = s.res(gvr, u.GetNamespace()).Get(ctx, u.GetName(), getOpts); err == nil {
				set(cur.Object, status, "status")
				if err = s.writeStatus(ctx, gvr, cur); err == nil {
					return nil
				}
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("%s %s: %w", gvr.Resource, u.GetName(), err)
}

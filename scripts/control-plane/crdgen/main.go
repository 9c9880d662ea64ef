// Command crdgen writes the KubeVirt and CDI CustomResourceDefinitions, as
// their operators would install them, into a directory: one YAML file each.
//
// KubeVirt publishes no static CRD manifests (virt-operator builds them from Go
// at runtime), so we call the same constructors; CDI ships its CRDs as YAML
// strings in its operator package.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	// components/ holds KubeVirt's crds.go and validations_generated.go, copied
	// from the kubevirt.io/kubevirt module by build.sh (not committed).
	"kvbackup.test/control-plane/crdgen/components"
	cdiresources "kubevirt.io/containerized-data-importer/pkg/operator/resources"

	// Pins the module whose config/crd/ VolumeSnapshot CRDs build.sh copies.
	_ "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
)

// The CRDs virt-operator installs (install/strategy.go), minus KubeVirt's own
// operator CR and the presets that were removed upstream.
var kubevirtCRDs = []func() (*extv1.CustomResourceDefinition, error){
	components.NewVirtualMachineCrd,
	components.NewVirtualMachineInstanceCrd,
	components.NewReplicaSetCrd,
	components.NewVirtualMachinePoolCrd,
	components.NewVirtualMachineInstanceMigrationCrd,
	components.NewMigrationPolicyCrd,
	components.NewVirtualMachineSnapshotCrd,
	components.NewVirtualMachineSnapshotContentCrd,
	components.NewVirtualMachineRestoreCrd,
	components.NewVirtualMachineExportCrd,
	components.NewVirtualMachineInstancetypeCrd,
	components.NewVirtualMachineClusterInstancetypeCrd,
	components.NewVirtualMachinePreferenceCrd,
	components.NewVirtualMachineClusterPreferenceCrd,
	components.NewVirtualMachineCloneCrd,
	components.NewVirtualMachineBackupCrd,
	components.NewVirtualMachineBackupTrackerCrd,
	components.NewKubeVirtCrd,
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: crdgen OUTPUT_DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "crdgen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, newCRD := range kubevirtCRDs {
		crd, err := newCRD()
		if err != nil {
			return err
		}
		crd.Status = extv1.CustomResourceDefinitionStatus{}
		out, err := yaml.Marshal(crd)
		if err != nil {
			return err
		}
		if err := write(dir, crd.Name, out); err != nil {
			return err
		}
	}
	keys := make([]string, 0, len(cdiresources.CDICRDs))
	for k := range cdiresources.CDICRDs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var crd extv1.CustomResourceDefinition
		if err := yaml.Unmarshal([]byte(cdiresources.CDICRDs[k]), &crd); err != nil {
			return fmt.Errorf("CDI CRD %q: %w", k, err)
		}
		if err := write(dir, crd.Name, []byte(cdiresources.CDICRDs[k])); err != nil {
			return err
		}
	}
	return nil
}

func write(dir, name string, data []byte) error {
	path := filepath.Join(dir, name+".yaml")
	fmt.Println("wrote", path)
	return os.WriteFile(path, data, 0o644)
}

package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// serveManifest answers <internal|external>/manifests/{all,secret} like
// virt-exportserver: the CA ConfigMap, the VM (status cleared, metadata
// reduced, DataVolume templates pointed at this export's gzip URLs) and a
// DataVolume for each other PVC volume; or the CDI extra-header Secret.
func (s *simulator) serveManifest(w http.ResponseWriter, r *http.Request, exp *unstructured.Unstructured, linkType, which, token string) {
	ns, name := exp.GetNamespace(), exp.GetName()
	headerSecret := "header-secret-" + name
	var objs []map[string]any
	switch which {
	case "secret":
		objs = append(objs, map[string]any{"apiVersion": "v1", "kind": "Secret",
			"metadata":   map[string]any{"name": headerSecret, "namespace": ns},
			"stringData": map[string]any{"token": "x-kubevirt-export-token:" + token}})
	case "all":
		vm := s.exportedVM(exp)
		if vm == nil {
			http.NotFound(w, r)
			return
		}
		caName := "export-ca-cm-" + name
		objs = append(objs, map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": caName}, "data": map[string]any{"ca.pem": s.caPEM}})
		gzipURL := func(volume string) string {
			for _, v := range slice(exp.Object, "status", "links", linkType, "volumes") {
				vm := v.(map[string]any)
				if str(vm, "name") != volume {
					continue
				}
				for _, f := range slice(vm, "formats") {
					if str(f.(map[string]any), "format") == "gzip" {
						return str(f.(map[string]any), "url")
					}
				}
			}
			return ""
		}
		httpSource := func(volume string) map[string]any {
			return map[string]any{"http": map[string]any{"url": gzipURL(volume), "certConfigMap": caName,
				"secretExtraHeaders": []any{headerSecret}}}
		}
		templates := map[string]bool{}
		var dvts []any
		for _, t := range slice(vm, "spec", "dataVolumeTemplates") {
			tm := t.(map[string]any)
			templates[str(tm, "metadata", "name")] = true
			set(tm, httpSource(str(tm, "metadata", "name")), "spec", "source")
			unstructured.RemoveNestedField(tm, "spec", "sourceRef")
			dvts = append(dvts, tm)
		}
		if dvts != nil {
			set(vm, dvts, "spec", "dataVolumeTemplates")
		}
		objs = append(objs, vm)
		for _, v := range slice(vm, "spec", "template", "spec", "volumes") {
			vol := v.(map[string]any)
			claim := str(vol, "persistentVolumeClaim", "claimName")
			if claim == "" {
				claim = str(vol, "dataVolume", "name")
			}
			if claim == "" || templates[claim] || gzipURL(claim) == "" {
				continue
			}
			size := "1Gi"
			if pvc := s.cache.get(gvrPVC, ns, claim); pvc != nil {
				size = str(pvc.Object, "status", "capacity", "storage")
			}
			objs = append(objs, map[string]any{"apiVersion": "cdi.kubevirt.io/v1beta1", "kind": "DataVolume",
				"metadata": map[string]any{"name": claim},
				"spec": map[string]any{"source": httpSource(claim),
					"storage": map[string]any{"resources": map[string]any{"requests": map[string]any{"storage": size}}}}})
		}
	default:
		http.NotFound(w, r)
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "yaml") {
		w.Header().Set("Content-Type", "application/yaml")
		for _, o := range objs {
			b, _ := yaml.Marshal(o)
			fmt.Fprintf(w, "---\n%s", b)
		}
		return
	}
	items := make([]any, len(objs))
	for i := range objs {
		items[i] = objs[i]
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
}

// exportedVM is the VM behind a VM or snapshot export, reduced as exported.
func (s *simulator) exportedVM(exp *unstructured.Unstructured) map[string]any {
	ns := exp.GetNamespace()
	src := obj(exp.Object, "spec", "source")
	var vm map[string]any
	switch str(src, "kind") {
	case "VirtualMachine":
		if u := s.cache.get(gvrVM, ns, str(src, "name")); u != nil {
			vm = u.Object
		}
	case "VirtualMachineSnapshot":
		if snap := s.cache.get(gvrVMSnapshot, ns, str(src, "name")); snap != nil {
			if c := s.snapshotContent(snap); c != nil {
				vm = obj(c.Object, "spec", "source", "virtualMachine")
			}
		}
	}
	if vm == nil {
		return nil
	}
	md := map[string]any{"name": str(vm, "metadata", "name"), "namespace": ns}
	for _, k := range []string{"labels", "annotations"} {
		if m := obj(vm, "metadata", k); m != nil {
			md[k] = m
		}
	}
	return map[string]any{"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "metadata": md,
		"spec": runtimeDeepCopy(obj(vm, "spec"))}
}

func decodeSecretValue(v string) string {
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return ""
	}
	return string(b)
}

package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
)

var (
	gvrVM           = schema.GroupVersionResource{Group: "kubevirt.io", Version: "v1", Resource: "virtualmachines"}
	gvrVMI          = schema.GroupVersionResource{Group: "kubevirt.io", Version: "v1", Resource: "virtualmachineinstances"}
	gvrVMSnapshot   = schema.GroupVersionResource{Group: "snapshot.kubevirt.io", Version: "v1beta1", Resource: "virtualmachinesnapshots"}
	gvrVMSContent   = schema.GroupVersionResource{Group: "snapshot.kubevirt.io", Version: "v1beta1", Resource: "virtualmachinesnapshotcontents"}
	gvrVMExport     = schema.GroupVersionResource{Group: "export.kubevirt.io", Version: "v1", Resource: "virtualmachineexports"}
	gvrInstancetype = schema.GroupVersionResource{Group: "instancetype.kubevirt.io", Version: "v1beta1", Resource: "virtualmachineinstancetypes"}
	gvrClusterIT    = schema.GroupVersionResource{Group: "instancetype.kubevirt.io", Version: "v1beta1", Resource: "virtualmachineclusterinstancetypes"}
	gvrPreference   = schema.GroupVersionResource{Group: "instancetype.kubevirt.io", Version: "v1beta1", Resource: "virtualmachinepreferences"}
	gvrClusterPref  = schema.GroupVersionResource{Group: "instancetype.kubevirt.io", Version: "v1beta1", Resource: "virtualmachineclusterpreferences"}
	gvrKubeVirt     = schema.GroupVersionResource{Group: "kubevirt.io", Version: "v1", Resource: "kubevirts"}
	gvrDV           = schema.GroupVersionResource{Group: "cdi.kubevirt.io", Version: "v1beta1", Resource: "datavolumes"}
	gvrCDI          = schema.GroupVersionResource{Group: "cdi.kubevirt.io", Version: "v1beta1", Resource: "cdis"}
	gvrCDIConfig    = schema.GroupVersionResource{Group: "cdi.kubevirt.io", Version: "v1beta1", Resource: "cdiconfigs"}
	gvrStorageProf  = schema.GroupVersionResource{Group: "cdi.kubevirt.io", Version: "v1beta1", Resource: "storageprofiles"}
	gvrVS           = schema.GroupVersionResource{Group: "snapshot.storage.k8s.io", Version: "v1", Resource: "volumesnapshots"}
	gvrVSC          = schema.GroupVersionResource{Group: "snapshot.storage.k8s.io", Version: "v1", Resource: "volumesnapshotcontents"}
	gvrPVC          = schema.GroupVersionResource{Version: "v1", Resource: "persistentvolumeclaims"}
	gvrPV           = schema.GroupVersionResource{Version: "v1", Resource: "persistentvolumes"}
	gvrPod          = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	gvrSecret       = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	gvrStorageClass = schema.GroupVersionResource{Group: "storage.k8s.io", Version: "v1", Resource: "storageclasses"}
	gvrRevision     = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "controllerrevisions"}
)

// watched are the resources whose changes drive the controller; everything
// else is read straight from the apiserver when needed.
var watched = []schema.GroupVersionResource{gvrVM, gvrVMI, gvrDV, gvrPVC, gvrVMSnapshot, gvrVMExport, gvrVS}

// objectCache wraps shared dynamic informers over the watched resources.
type objectCache struct {
	factory   dynamicinformer.DynamicSharedInformerFactory
	informers map[schema.GroupVersionResource]cache.SharedIndexInformer
}

func newObjectCache(client dynamic.Interface) *objectCache {
	c := &objectCache{
		factory:   dynamicinformer.NewDynamicSharedInformerFactory(client, 0),
		informers: map[schema.GroupVersionResource]cache.SharedIndexInformer{},
	}
	for _, gvr := range watched {
		inf := c.factory.ForResource(gvr).Informer()
		if idx, ok := indexers[gvr]; ok {
			if err := inf.AddIndexers(idx); err != nil {
				panic(err)
			}
		}
		c.informers[gvr] = inf
	}
	return c
}

func (c *objectCache) start(ctx context.Context) error {
	c.factory.Start(ctx.Done())
	for gvr, inf := range c.informers {
		if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
			return fmt.Errorf("cache for %s did not sync", gvr.Resource)
		}
	}
	return nil
}

func (c *objectCache) get(gvr schema.GroupVersionResource, ns, name string) *unstructured.Unstructured {
	key := name
	if ns != "" {
		key = ns + "/" + name
	}
	obj, ok, _ := c.informers[gvr].GetStore().GetByKey(key)
	if !ok {
		return nil
	}
	return obj.(*unstructured.Unstructured).DeepCopy()
}

func (c *objectCache) list(gvr schema.GroupVersionResource, ns string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range c.informers[gvr].GetStore().List() {
		u := o.(*unstructured.Unstructured)
		if ns == "" || u.GetNamespace() == ns {
			out = append(out, u.DeepCopy())
		}
	}
	return out
}

// Switches let a test make a step fail or stall by annotating an object (or
// the object it derives from), e.g. sim.kvbackup.test/fail: "freeze,unfreeze".
const (
	annFail     = "sim.kvbackup.test/fail"
	annStall    = "sim.kvbackup.test/stall"
	annDiskSize = "sim.kvbackup.test/disk-size"
)

func hasSwitch(kind, step string, objs ...*unstructured.Unstructured) bool {
	for _, o := range objs {
		if o == nil {
			continue
		}
		for _, s := range strings.Split(o.GetAnnotations()[kind], ",") {
			if strings.TrimSpace(s) == step {
				return true
			}
		}
	}
	return false
}

func failing(step string, objs ...*unstructured.Unstructured) bool {
	return hasSwitch(annFail, step, objs...)
}
func stalled(step string, objs ...*unstructured.Unstructured) bool {
	return hasSwitch(annStall, step, objs...)
}

// Small helpers over unstructured content.

func str(o map[string]any, path ...string) string {
	v, _, _ := unstructured.NestedString(o, path...)
	return v
}

func boolean(o map[string]any, path ...string) (bool, bool) {
	v, ok, _ := unstructured.NestedBool(o, path...)
	return v, ok
}

func slice(o map[string]any, path ...string) []any {
	v, _, _ := unstructured.NestedSlice(o, path...)
	return v
}

func obj(o map[string]any, path ...string) map[string]any {
	v, _, _ := unstructured.NestedMap(o, path...)
	return v
}

func set(o map[string]any, value any, path ...string) {
	if err := unstructured.SetNestedField(o, deepCopyValue(value), path...); err != nil {
		panic(err)
	}
}

func deepCopyValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return runtimeDeepCopy(t)
	case []any:
		out := make([]any, len(t))
		for i := range t {
			out[i] = deepCopyValue(t[i])
		}
		return out
	case int:
		return int64(t)
	case []string:
		out := make([]any, len(t))
		for i := range t {
			out[i] = t[i]
		}
		return out
	default:
		return v
	}
}

func runtimeDeepCopy(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = deepCopyValue(v)
	}
	return out
}

func now() string { return time.Now().UTC().Format(time.RFC3339) }

func condition(typ, status, reason, message string) map[string]any {
	return map[string]any{
		"type": typ, "status": status, "reason": reason, "message": message,
		"lastTransitionTime": now(),
	}
}

func ownerRef(owner *unstructured.Unstructured, controller bool) map[string]any {
	return map[string]any{
		"apiVersion": owner.GetAPIVersion(), "kind": owner.GetKind(), "name": owner.GetName(),
		"uid": string(owner.GetUID()), "controller": controller, "blockOwnerDeletion": true,
	}
}

func newObject(apiVersion, kind, ns, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

func (s *simulator) res(gvr schema.GroupVersionResource, ns string) dynamic.ResourceInterface {
	if ns == "" {
		return s.client.Resource(gvr)
	}
	return s.client.Resource(gvr).Namespace(ns)
}

// fetch reads an object from the apiserver; nil when it does not exist.
func (s *simulator) fetch(ctx context.Context, gvr schema.GroupVersionResource, ns, name string) (*unstructured.Unstructured, error) {
	if c := s.cache.informers[gvr]; c != nil {
		return s.cache.get(gvr, ns, name), nil
	}
	u, err := s.res(gvr, ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return u, err
}

// create creates an object, treating "already exists" as success.
func (s *simulator) create(ctx context.Context, gvr schema.GroupVersionResource, u *unstructured.Unstructured) error {
	_, err := s.res(gvr, u.GetNamespace()).Create(ctx, u, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// updateStatus writes u's status if it differs from before.
func (s *simulator) updateStatus(ctx context.Context, gvr schema.GroupVersionResource, before map[string]any, u *unstructured.Unstructured) error {
	if equalJSON(before, u.Object["status"]) {
		return nil
	}
	return s.writeStatus(ctx, gvr, u)
}

// Some CRDs (VMI, CDI, CDIConfig) have no status subresource: their status is
// written with the object itself.
var noStatusSubresource = map[schema.GroupVersionResource]bool{gvrVMI: true, gvrCDI: true, gvrCDIConfig: true}

func (s *simulator) writeStatus(ctx context.Context, gvr schema.GroupVersionResource, u *unstructured.Unstructured) error {
	var err error
	if noStatusSubresource[gvr] {
		_, err = s.res(gvr, u.GetNamespace()).Update(ctx, u, metav1.UpdateOptions{})
	} else {
		_, err = s.res(gvr, u.GetNamespace()).UpdateStatus(ctx, u, metav1.UpdateOptions{})
	}
	return err
}

func (s *simulator) update(ctx context.Context, gvr schema.GroupVersionResource, u *unstructured.Unstructured) error {
	_, err := s.res(gvr, u.GetNamespace()).Update(ctx, u, metav1.UpdateOptions{})
	return err
}

func isOwnedBy(o, owner *unstructured.Unstructured) bool {
	for _, r := range o.GetOwnerReferences() {
		if r.UID == owner.GetUID() {
			return true
		}
	}
	return false
}

var (
	listAll = metav1.ListOptions{}
	getOpts = metav1.GetOptions{}
)

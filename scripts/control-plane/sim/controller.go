package main

import (
	"context"
	"encoding/json"
	"log"
	"reflect"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

type objectKey struct {
	gvr             schema.GroupVersionResource
	namespace, name string
}

// controller runs one worker over a queue fed by the informers: a change
// re-queues the object and the objects that depend on it (see index.go). A
// reconcile waiting for something unwatched asks to be retried later; a slow
// periodic pass re-queues everything as a safety net. Reconciles are idempotent.
type controller struct {
	sim   *simulator
	queue workqueue.TypedRateLimitingInterface[objectKey]
}

func newController(s *simulator) *controller {
	return &controller{
		sim: s,
		queue: workqueue.NewTypedRateLimitingQueue(workqueue.NewTypedItemExponentialFailureRateLimiter[objectKey](
			50*time.Millisecond, 2*time.Second)),
	}
}

func (c *controller) run(ctx context.Context) {
	for gvr, inf := range c.sim.cache.informers {
		touch := func(o any) { c.touch(gvr, o) }
		inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    touch,
			UpdateFunc: func(_, o any) { touch(o) },
			DeleteFunc: touch,
		})
	}
	go func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				c.queue.ShutDown()
				return
			case <-t.C:
				c.touchAll()
				if err := c.sim.releaseVolumes(ctx); err != nil {
					log.Printf("releasing volumes: %v", err)
				}
			}
		}
	}()
	for c.processNext(ctx) {
	}
}

func (c *controller) touch(gvr schema.GroupVersionResource, o any) {
	if d, ok := o.(cache.DeletedFinalStateUnknown); ok {
		o = d.Obj
	}
	if u, ok := o.(*unstructured.Unstructured); ok {
		for _, k := range c.sim.cache.dependents(gvr, u) {
			c.queue.Add(k)
		}
		for _, k := range c.sim.backupDependents(gvr, u) {
			c.queue.Add(k)
		}
	}
}

func (c *controller) touchAll() {
	for _, gvr := range watched {
		for _, key := range c.sim.cache.informers[gvr].GetStore().ListKeys() {
			ns, name, _ := cache.SplitMetaNamespaceKey(key)
			c.queue.Add(objectKey{gvr, ns, name})
		}
	}
}

// retryAfter is returned by a reconcile that waits for something no informer
// reports (an instancetype created later, an export's TTL).
type retryAfter time.Duration

func (r retryAfter) Error() string { return "retry after " + time.Duration(r).String() }

func (c *controller) processNext(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	err := c.reconcile(ctx, key)
	if r, ok := err.(retryAfter); ok {
		c.queue.Forget(key)
		c.queue.AddAfter(key, time.Duration(r))
		return true
	}
	if err != nil && !apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
		if !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
			log.Printf("reconcile %s %s/%s: %v", key.gvr.Resource, key.namespace, key.name, err)
		}
		c.queue.AddRateLimited(key)
		return true
	}
	c.queue.Forget(key)
	return true
}

func (c *controller) reconcile(ctx context.Context, k objectKey) error {
	u := c.sim.cache.get(k.gvr, k.namespace, k.name)
	if done, err := c.sim.backupHook(ctx, k.gvr, u); done {
		return err
	}
	if u == nil || u.GetDeletionTimestamp() != nil {
		return nil
	}
	s := c.sim
	switch k.gvr {
	case gvrVM:
		return s.reconcileVM(ctx, u)
	case gvrVMI:
		return s.reconcileVMI(ctx, u)
	case gvrDV:
		return s.reconcileDataVolume(ctx, u)
	case gvrPVC:
		return s.reconcilePVC(ctx, u)
	case gvrVS:
		return s.reconcileVolumeSnapshot(ctx, u)
	case gvrVMSnapshot:
		return s.reconcileVMSnapshot(ctx, u)
	case gvrVMExport:
		return s.reconcileExport(ctx, u)
	}
	return nil
}

func equalJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return reflect.DeepEqual(ja, jb)
}

// setConditions replaces the conditions at path, keeping lastTransitionTime
// (and lastProbeTime) of conditions whose status did not change, so that a
// reconcile of an unchanged object writes nothing.
func setConditions(u *unstructured.Unstructured, conds []map[string]any, path ...string) {
	old := map[string]map[string]any{}
	for _, c := range slice(u.Object, path...) {
		if m, ok := c.(map[string]any); ok {
			old[str(m, "type")] = m
		}
	}
	out := make([]any, 0, len(conds))
	for _, c := range conds {
		if prev, ok := old[str(c, "type")]; ok && str(prev, "status") == str(c, "status") {
			c["lastTransitionTime"] = prev["lastTransitionTime"]
		}
		out = append(out, c)
	}
	set(u.Object, out, path...)
}

func statusOf(u *unstructured.Unstructured) map[string]any {
	st := obj(u.Object, "status")
	if st == nil {
		return nil
	}
	return runtimeDeepCopy(st)
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// freezeCall is one recorded freeze/unfreeze, whoever asked: the product
// through the aggregated API ("api"), the snapshot controller
// ("virt-controller"), or the unfreezeTimeout safety timer ("timer").
type freezeCall struct {
	Seq             int       `json:"seq"`
	Time            time.Time `json:"time"`
	Op              string    `json:"op"` // freeze | unfreeze
	Namespace       string    `json:"namespace"`
	Name            string    `json:"name"`
	UnfreezeTimeout string    `json:"unfreezeTimeout,omitempty"`
	Via             string    `json:"via"`
	User            string    `json:"user,omitempty"`
	Code            int       `json:"code"`
	Message         string    `json:"message,omitempty"`
}

// freezeRegistry is the guest side of fsfreeze: which VMIs are frozen, the
// safety-unfreeze timers, and the record of every call.
type freezeRegistry struct {
	sim    *simulator
	mu     sync.Mutex
	calls  []freezeCall
	frozen map[string]*time.Timer // ns/name -> safety timer (nil timer: no timeout)
}

func newFreezeRegistry(s *simulator) *freezeRegistry {
	return &freezeRegistry{sim: s, frozen: map[string]*time.Timer{}}
}

func (f *freezeRegistry) record(c freezeCall) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c.Seq = len(f.calls) + 1
	c.Time = time.Now().UTC()
	f.calls = append(f.calls, c)
}

func (f *freezeRegistry) isFrozen(ns, name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.frozen[ns+"/"+name]
	return ok
}

// freeze checks the VMI like virt-api and virt-handler do and returns the
// HTTP status code and error message (200, "" on success).
func (f *freezeRegistry) freeze(ctx context.Context, ns, name string, timeout time.Duration, via, user string) (int, string) {
	code, msg := f.check(ns, name, "freeze")
	if code == 200 {
		key := ns + "/" + name
		f.mu.Lock()
		if t := f.frozen[key]; t != nil {
			t.Stop()
		}
		var timer *time.Timer
		// virt-launcher works in whole seconds; 0 disables the safety unfreeze.
		if secs := int(timeout.Seconds()); secs > 0 {
			timer = time.AfterFunc(time.Duration(secs)*time.Second, func() {
				f.thaw(ns, name, "timer", "", 200, "")
			})
		}
		f.frozen[key] = timer
		f.mu.Unlock()
		f.sim.touchVMI(ctx, ns, name)
	}
	f.record(freezeCall{Op: "freeze", Namespace: ns, Name: name, UnfreezeTimeout: timeout.String(),
		Via: via, User: user, Code: code, Message: msg})
	return code, msg
}

func (f *freezeRegistry) unfreeze(ctx context.Context, ns, name, via, user string) (int, string) {
	code, msg := f.check(ns, name, "unfreeze")
	if code == 200 {
		f.thaw(ns, name, via, user, code, msg)
		f.sim.touchVMI(ctx, ns, name)
		return code, msg
	}
	f.record(freezeCall{Op: "unfreeze", Namespace: ns, Name: name, Via: via, User: user, Code: code, Message: msg})
	return code, msg
}

func (f *freezeRegistry) thaw(ns, name, via, user string, code int, msg string) {
	key := ns + "/" + name
	f.mu.Lock()
	if t := f.frozen[key]; t != nil {
		t.Stop()
	}
	delete(f.frozen, key)
	f.mu.Unlock()
	f.record(freezeCall{Op: "unfreeze", Namespace: ns, Name: name, Via: via, User: user, Code: code, Message: msg})
	if via == "timer" {
		f.sim.touchVMI(context.Background(), ns, name)
	}
}

func (f *freezeRegistry) check(ns, name, op string) (int, string) {
	vmi := f.sim.cache.get(gvrVMI, ns, name)
	if vmi == nil {
		return 404, fmt.Sprintf("virtualmachineinstance.kubevirt.io %q not found", name)
	}
	owner := f.sim.ownerVM(vmi)
	switch {
	case str(vmi.Object, "status", "phase") != "Running":
		if op == "freeze" {
			return 409, "VM is not running"
		}
		return 409, "VMI is not running"
	case failing("guest-agent", vmi, owner):
		return 500, "server error. command " + op + " failed: LibvirtError(Code=86, Domain=10, Message='Guest agent is not responding: QEMU guest agent is not connected')"
	case failing(op, vmi, owner):
		return 500, "server error. command " + op + " failed: simulated " + op + " failure"
	}
	return 200, ""
}

func (f *freezeRegistry) snapshot() (calls []freezeCall, frozen []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	calls = append([]freezeCall{}, f.calls...)
	frozen = []string{}
	for k := range f.frozen {
		frozen = append(frozen, k)
	}
	return calls, frozen
}

func (f *freezeRegistry) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = nil
}

// touchVMI updates status.fsFreezeStatus right away instead of waiting for
// the next event, as virt-handler reports it promptly after the agent call.
func (s *simulator) touchVMI(ctx context.Context, ns, name string) {
	var value any
	if s.freezes.isFrozen(ns, name) {
		value = "frozen"
	}
	patch, _ := json.Marshal(map[string]any{"status": map[string]any{"fsFreezeStatus": value}})
	_, _ = s.res(gvrVMI, ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// The aggregated API groups this server answers for, as virt-api and
// cdi-apiserver register them (see scripts/control-plane/lib/up.sh).
var apiGroups = map[string]struct {
	versions  []string
	resources []metav1.APIResource
}{
	"subresources.kubevirt.io": {[]string{"v1", "v1alpha3"}, []metav1.APIResource{
		{Name: "virtualmachineinstances/freeze", Namespaced: true, Kind: "VirtualMachineInstance", Verbs: []string{"update"}},
		{Name: "virtualmachineinstances/unfreeze", Namespaced: true, Kind: "VirtualMachineInstance", Verbs: []string{"update"}},
		{Name: "virtualmachines/start", Namespaced: true, Kind: "VirtualMachine", Verbs: []string{"update"}},
		{Name: "virtualmachines/stop", Namespaced: true, Kind: "VirtualMachine", Verbs: []string{"update"}},
		{Name: "virtualmachines/restart", Namespaced: true, Kind: "VirtualMachine", Verbs: []string{"update"}},
	}},
	"upload.cdi.kubevirt.io": {[]string{"v1beta1"}, []metav1.APIResource{
		{Name: "uploadtokenrequests", SingularName: "uploadtokenrequest", Namespaced: true, Kind: "UploadTokenRequest", Verbs: []string{"create"}},
	}},
}

// apiHandler serves what the aggregator proxies to virt-api / cdi-apiserver.
// Like those servers it trusts the user named in X-Remote-User only from the
// aggregator's front-proxy client certificate, and asks the apiserver whether
// that user may make the call (SubjectAccessReview).
func (s *simulator) apiHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		switch {
		case r.URL.Path == "/healthz" || r.URL.Path == "/readyz":
			w.Write([]byte("ok"))
		case len(parts) == 2 && parts[0] == "apis":
			s.serveGroup(w, parts[1])
		case len(parts) == 3 && parts[0] == "apis":
			s.serveResources(w, parts[1], parts[2])
		case len(parts) == 6 && parts[0] == "apis" && parts[1] == "upload.cdi.kubevirt.io" &&
			parts[3] == "namespaces" && parts[5] == "uploadtokenrequests":
			s.serveUploadToken(w, r, parts[4])
		case len(parts) == 8 && parts[0] == "apis" && parts[1] == "subresources.kubevirt.io" && parts[3] == "namespaces":
			s.serveSubresource(w, r, parts[4], parts[5], parts[6], parts[7])
		default:
			writeStatus(w, http.StatusNotFound, "NotFound", "the server could not find the requested resource")
		}
	})
}

func (s *simulator) serveGroup(w http.ResponseWriter, group string) {
	g, ok := apiGroups[group]
	if !ok {
		writeStatus(w, http.StatusNotFound, "NotFound", "no such group")
		return
	}
	var versions []metav1.GroupVersionForDiscovery
	for _, v := range g.versions {
		versions = append(versions, metav1.GroupVersionForDiscovery{GroupVersion: group + "/" + v, Version: v})
	}
	writeJSON(w, http.StatusOK, metav1.APIGroup{TypeMeta: metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"},
		Name: group, Versions: versions, PreferredVersion: versions[0]})
}

func (s *simulator) serveResources(w http.ResponseWriter, group, version string) {
	g, ok := apiGroups[group]
	if !ok || !contains(g.versions, version) {
		writeStatus(w, http.StatusNotFound, "NotFound", "no such group version")
		return
	}
	writeJSON(w, http.StatusOK, metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
		GroupVersion: group + "/" + version, APIResources: g.resources})
}

type requester struct {
	user   string
	groups []string
	extra  map[string][]string
}

// requesterOf returns the user the aggregator authenticated, or nil when the
// request did not come through the aggregator.
func requesterOf(r *http.Request) *requester {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || r.Header.Get("X-Remote-User") == "" {
		return nil
	}
	q := &requester{user: r.Header.Get("X-Remote-User"), groups: r.Header.Values("X-Remote-Group"), extra: map[string][]string{}}
	for k, v := range r.Header {
		if strings.HasPrefix(k, "X-Remote-Extra-") {
			q.extra[strings.ToLower(strings.TrimPrefix(k, "X-Remote-Extra-"))] = v
		}
	}
	return q
}

// authorize runs a SubjectAccessReview; it writes the error response and
// returns false when the call is not allowed.
func (s *simulator) authorize(ctx context.Context, w http.ResponseWriter, r *http.Request, verb, group, resource, sub, ns, name string) (*requester, bool) {
	who := requesterOf(r)
	if who == nil {
		writeStatus(w, http.StatusUnauthorized, "Unauthorized", "requests must come through the kube-apiserver aggregator")
		return nil, false
	}
	extra := map[string]any{}
	for k, v := range who.extra {
		extra[k] = toAny(v)
	}
	sar := newObject("authorization.k8s.io/v1", "SubjectAccessReview", "", "")
	set(sar.Object, map[string]any{
		"user": who.user, "groups": toAny(who.groups), "extra": extra,
		"resourceAttributes": map[string]any{"verb": verb, "group": group, "resource": resource,
			"subresource": sub, "namespace": ns, "name": name},
	}, "spec")
	gvr := schema.GroupVersionResource{Group: "authorization.k8s.io", Version: "v1", Resource: "subjectaccessreviews"}
	res, err := s.client.Resource(gvr).Create(ctx, sar, metav1.CreateOptions{})
	if err != nil {
		writeStatus(w, http.StatusInternalServerError, "InternalError", err.Error())
		return nil, false
	}
	if allowed, _ := boolean(res.Object, "status", "allowed"); !allowed {
		target := resource
		if sub != "" {
			target += "/" + sub
		}
		writeStatus(w, http.StatusForbidden, "Forbidden", fmt.Sprintf("%s %q is forbidden: User %q cannot %s resource %q in API group %q in the namespace %q",
			resource, name, who.user, verb, target, group, ns))
		return nil, false
	}
	return who, true
}

func (s *simulator) serveSubresource(w http.ResponseWriter, r *http.Request, ns, resource, name, sub string) {
	if r.Method != http.MethodPut {
		writeStatus(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "only PUT is supported")
		return
	}
	ctx := r.Context()
	who, ok := s.authorize(ctx, w, r, "update", "subresources.kubevirt.io", resource, sub, ns, name)
	if !ok {
		return
	}
	switch resource + "/" + sub {
	case "virtualmachineinstances/freeze":
		s.serveFreeze(w, r, ns, name, who.user)
	case "virtualmachineinstances/unfreeze":
		code, msg := s.freezes.unfreeze(ctx, ns, name, "api", who.user)
		writeResult(w, code, msg)
	case "virtualmachines/start", "virtualmachines/stop", "virtualmachines/restart":
		s.serveVMPower(w, r, ns, name, sub)
	default:
		writeStatus(w, http.StatusNotFound, "NotFound", "the server could not find the requested resource")
	}
}

// serveFreeze validates the body as virt-api/virt-handler do: it must carry
// unfreezeTimeout (a Go duration); the guest is thawed automatically after it.
func (s *simulator) serveFreeze(w http.ResponseWriter, r *http.Request, ns, name, user string) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var req struct {
		UnfreezeTimeout *string `json:"unfreezeTimeout"`
	}
	if len(body) == 0 || json.Unmarshal(body, &req) != nil {
		writeStatus(w, http.StatusBadRequest, "BadRequest", "failed to retrieve unfreeze timeout")
		return
	}
	if req.UnfreezeTimeout == nil {
		writeStatus(w, http.StatusBadRequest, "BadRequest", "Unfreeze timeout in freeze request is not set")
		return
	}
	timeout, err := time.ParseDuration(*req.UnfreezeTimeout)
	if err != nil || timeout < 0 {
		writeStatus(w, http.StatusBadRequest, "BadRequest", "failed to retrieve unfreeze timeout")
		return
	}
	if vmi := s.cache.get(gvrVMI, ns, name); vmi != nil && stalled("freeze", vmi, s.ownerVM(vmi)) {
		// The guest agent never answers: hold the request until the client gives up.
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Minute):
		}
		s.freezes.record(freezeCall{Op: "freeze", Namespace: ns, Name: name, UnfreezeTimeout: timeout.String(),
			Via: "api", User: user, Code: http.StatusGatewayTimeout, Message: "simulated stall"})
		writeStatus(w, http.StatusGatewayTimeout, "Timeout", "simulated stall")
		return
	}
	code, msg := s.freezes.freeze(r.Context(), ns, name, timeout, "api", user)
	writeResult(w, code, msg)
}

func (s *simulator) serveVMPower(w http.ResponseWriter, r *http.Request, ns, name, op string) {
	ctx := r.Context()
	vm := s.cache.get(gvrVM, ns, name)
	if vm == nil {
		writeStatus(w, http.StatusNotFound, "NotFound", fmt.Sprintf("virtualmachine.kubevirt.io %q not found", name))
		return
	}
	strategy := map[string]string{"start": "Always", "stop": "Halted", "restart": "Always"}[op]
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"runStrategy": strategy, "running": nil}})
	if _, err := s.res(gvrVM, ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		writeStatus(w, http.StatusInternalServerError, "InternalError", err.Error())
		return
	}
	if op == "restart" {
		_ = s.res(gvrVMI, ns).Delete(ctx, name, metav1.DeleteOptions{})
	}
	w.WriteHeader(http.StatusAccepted)
}

func (s *simulator) serveUploadToken(w http.ResponseWriter, r *http.Request, ns string) {
	if r.Method != http.MethodPost {
		writeStatus(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "only POST is supported")
		return
	}
	if _, ok := s.authorize(r.Context(), w, r, "create", "upload.cdi.kubevirt.io", "uploadtokenrequests", "", ns, ""); !ok {
		return
	}
	var req unstructured.Unstructured
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(body, &req.Object); err != nil || str(req.Object, "spec", "pvcName") == "" {
		writeStatus(w, http.StatusBadRequest, "BadRequest", "spec.pvcName is required")
		return
	}
	req.SetNamespace(ns)
	req.SetCreationTimestamp(metav1.Now())
	set(req.Object, map[string]any{"token": s.uploads.newToken(ns, str(req.Object, "spec", "pvcName"))}, "status")
	writeJSON(w, http.StatusCreated, req.Object)
}

func writeResult(w http.ResponseWriter, code int, msg string) {
	if code == http.StatusOK {
		w.WriteHeader(http.StatusOK)
		return
	}
	reason := map[int]string{404: "NotFound", 409: "Conflict", 500: "InternalError"}[code]
	writeStatus(w, code, reason, msg)
}

func writeStatus(w http.ResponseWriter, code int, reason, msg string) {
	writeJSON(w, code, metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status: metav1.StatusFailure, Message: msg, Reason: metav1.StatusReason(reason), Code: int32(code)})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

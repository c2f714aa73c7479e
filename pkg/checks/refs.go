package checks

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// ref is one use of a named object by the pod.
type ref struct {
	name     string
	where    string // "volume config", "env LEVEL of \"app\"", "envFrom of \"app\""
	optional bool
}

func optional(b *bool) bool { return b != nil && *b }

// configMapRefs and secretRefs list every use: volumes, projected sources,
// env valueFrom and envFrom of every container.
func configMapRefs(pod *corev1.Pod) []ref { cms, _ := objectRefs(pod); return cms }

func secretRefs(pod *corev1.Pod) []ref { _, secrets := objectRefs(pod); return secrets }

// objectRefs walks the pod once and sorts each reference by what it names.
func objectRefs(pod *corev1.Pod) (cms, secrets []ref) {
	for _, v := range pod.Spec.Volumes {
		where := fmt.Sprintf("volume %q", v.Name)
		if cm := v.ConfigMap; cm != nil {
			cms = append(cms, ref{cm.Name, where, optional(cm.Optional)})
		}
		if s := v.Secret; s != nil {
			secrets = append(secrets, ref{s.SecretName, where, optional(s.Optional)})
		}
		if p := v.Projected; p != nil {
			for _, src := range p.Sources {
				if src.ConfigMap != nil {
					cms = append(cms, ref{src.ConfigMap.Name, "projected " + where, optional(src.ConfigMap.Optional)})
				}
				if src.Secret != nil {
					secrets = append(secrets, ref{src.Secret.Name, "projected " + where, optional(src.Secret.Optional)})
				}
			}
		}
	}
	for _, s := range allContainers(pod) {
		for _, e := range s.c.Env {
			if e.ValueFrom == nil {
				continue
			}
			where := fmt.Sprintf("env %s of %q", e.Name, s.c.Name)
			if r := e.ValueFrom.ConfigMapKeyRef; r != nil {
				cms = append(cms, ref{r.Name, where, optional(r.Optional)})
			}
			if r := e.ValueFrom.SecretKeyRef; r != nil {
				secrets = append(secrets, ref{r.Name, where, optional(r.Optional)})
			}
		}
		for _, e := range s.c.EnvFrom {
			where := fmt.Sprintf("envFrom of %q", s.c.Name)
			if e.ConfigMapRef != nil {
				cms = append(cms, ref{e.ConfigMapRef.Name, where, optional(e.ConfigMapRef.Optional)})
			}
			if e.SecretRef != nil {
				secrets = append(secrets, ref{e.SecretRef.Name, where, optional(e.SecretRef.Optional)})
			}
		}
	}
	return cms, secrets
}

// missing reports, per missing name, every place that uses it: an error
// when one use is required, info when all are optional (the kubelet then
// starts the container without it).
func missing(kind string, refs []ref, have Names) []Finding {
	if have == nil {
		return nil
	}
	uses := map[string][]ref{}
	var order []string
	for _, r := range refs {
		if r.name == "" || have[r.name] {
			continue
		}
		if _, ok := uses[r.name]; !ok {
			order = append(order, r.name)
		}
		uses[r.name] = append(uses[r.name], r)
	}
	var out []Finding
	for _, name := range order {
		var where []string
		required := false
		for _, r := range uses[name] {
			w := r.where
			if r.optional {
				w += " (optional)"
			} else {
				required = true
			}
			where = append(where, w)
		}
		f := Finding{Message: fmt.Sprintf("%s %q does not exist; used by %s", kind, name, strings.Join(where, ", "))}
		if required {
			f.Message += ": the containers that need it cannot start"
		} else {
			f.Severity = Info
			f.Message += ": every use is optional: true, so the pod starts without it"
		}
		if c := singleContainer(uses[name]); c != "" {
			f.Container = c
		}
		out = append(out, f)
	}
	return out
}

// singleContainer names the container when every use is by one container.
func singleContainer(refs []ref) string {
	name := ""
	for _, r := range refs {
		_, rest, ok := strings.Cut(r.where, " of ")
		if !ok {
			return ""
		}
		c := strings.Trim(rest, `"`)
		if name != "" && name != c {
			return ""
		}
		name = c
	}
	return name
}

func missingConfigMap(in *Input) []Finding {
	if in.Namespace == nil {
		return nil
	}
	return missing("ConfigMap", configMapRefs(in.Pod), in.Namespace.ConfigMaps)
}

func missingSecret(in *Input) []Finding {
	if in.Namespace == nil {
		return nil
	}
	return missing("Secret", secretRefs(in.Pod), in.Namespace.Secrets)
}

// serviceAccountName is the account the pod runs as ("default" when unset).
func serviceAccountName(pod *corev1.Pod) string {
	if pod.Spec.ServiceAccountName != "" {
		return pod.Spec.ServiceAccountName
	}
	if pod.Spec.DeprecatedServiceAccount != "" {
		return pod.Spec.DeprecatedServiceAccount
	}
	return "default"
}

func missingServiceAccount(in *Input) []Finding {
	if in.Namespace == nil || in.Namespace.ServiceAccounts == nil {
		return nil
	}
	sa := serviceAccountName(in.Pod)
	if in.Namespace.ServiceAccounts[sa] {
		return nil
	}
	return []Finding{{Message: fmt.Sprintf(
		"ServiceAccount %q does not exist: the API server refuses new pods that use it, so the next rollout or restart fails", sa)}}
}

func missingImagePullSecret(in *Input) []Finding {
	if in.Namespace == nil || in.Namespace.Secrets == nil {
		return nil
	}
	var out []Finding
	for _, s := range in.Pod.Spec.ImagePullSecrets {
		if s.Name != "" && !in.Namespace.Secrets[s.Name] {
			out = append(out, Finding{Message: fmt.Sprintf(
				"imagePullSecret %q does not exist: the kubelet pulls without it, so images from private registries fail", s.Name)})
		}
	}
	return out
}

func missingPVC(in *Input) []Finding {
	if in.Namespace == nil || in.Namespace.PVCs == nil {
		return nil
	}
	var out []Finding
	for _, v := range in.Pod.Spec.Volumes {
		if c := v.PersistentVolumeClaim; c != nil && !in.Namespace.PVCs[c.ClaimName] {
			out = append(out, Finding{Message: fmt.Sprintf(
				"PersistentVolumeClaim %q (volume %q) does not exist: the pod cannot be scheduled or its volume mounted", c.ClaimName, v.Name)})
		}
	}
	return out
}

// ownerMissing: an owner reference to an object that is gone (or was
// recreated with another UID) leaves the pod to the garbage collector, or
// to nobody when it was orphaned half-way.
func ownerMissing(in *Input) []Finding {
	if in.Namespace == nil {
		return nil
	}
	var out []Finding
	for _, o := range in.Pod.OwnerReferences {
		objs, read := in.Namespace.Owners[o.Kind]
		if !read || objs == nil {
			continue
		}
		uid, ok := objs[o.Name]
		switch {
		case !ok:
			out = append(out, Finding{Message: fmt.Sprintf("owner %s %q no longer exists: nothing will replace this pod", o.Kind, o.Name)})
		case o.UID != "" && uid != "" && uid != string(o.UID):
			out = append(out, Finding{Message: fmt.Sprintf("owner %s %q was deleted and recreated (another UID): this pod belongs to the old one", o.Kind, o.Name)})
		}
	}
	return out
}

// OwnerKinds lists the owner kinds of the pods, sorted: what the owner
// check needs listed.
func OwnerKinds(pods []*corev1.Pod) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range pods {
		for _, o := range p.OwnerReferences {
			if !seen[o.Kind] {
				seen[o.Kind] = true
				out = append(out, o.Kind)
			}
		}
	}
	sort.Strings(out)
	return out
}

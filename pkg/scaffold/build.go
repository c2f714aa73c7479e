package scaffold

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/pods-pattern/kubectl-pods-pattern/pkg/classify"
	"github.com/pods-pattern/kubectl-pods-pattern/pkg/report"
)

// addition is a pattern applied to a pod: the helper, and what the main
// container and the pod spec need to work with it. Build applies it to a
// new main container; Inject applies it to a manifest's existing one.
type addition struct {
	helper      corev1.Container
	helperNote  string
	initHelper  bool // a plain init container
	native      bool // an init container with restartPolicy: Always
	mainMounts  []corev1.VolumeMount
	mainEnv     []corev1.EnvVar
	volumes     []corev1.Volume
	volumeNotes map[string]string
	configMaps  []*corev1.ConfigMap
	// legacyBatch: a classic sidecar in a pod that must finish.
	legacyBatch bool
}

func (a *addition) helperList() string {
	if a.initHelper || a.native {
		return "initContainers"
	}
	return "containers"
}

// Build writes the objects of a pattern for a workload kind.
func Build(o Options) (Result, error) {
	if o.Kind == "" {
		o.Kind = KindPod
	}
	if err := o.Validate(); err != nil {
		return Result{}, err
	}
	p, err := presetFor(&o)
	if err != nil {
		return Result{}, err
	}
	mainDefault := o.Image == ""
	main := container(p.main, mainDefault, o.Image, o.Command, o.Args, o.Port)
	if !mainDefault {
		main.Name = containerNameFromImage(o.Image)
	}
	add, err := newAddition(&o, p, main.Name, o.Kind.batch())
	if err != nil {
		return Result{}, err
	}
	if err := portsApart(&main, &add.helper); err != nil {
		return Result{}, err
	}
	main.VolumeMounts = append(main.VolumeMounts, add.mainMounts...)
	main.Env = append(main.Env, add.mainEnv...)
	if mainDefault {
		main.VolumeMounts = append(main.VolumeMounts, p.main.mounts...)
	}

	spec := corev1.PodSpec{Containers: []corev1.Container{main}}
	add.applyTo(&spec)
	if mainDefault {
		spec.Volumes = append(spec.Volumes, p.main.volumes...)
		add.configMaps = append(p.main.configMaps, add.configMaps...)
	}
	if err := uniqueVolumes(spec.Volumes); err != nil {
		return Result{}, err
	}

	labels := map[string]string{"app": o.Name}
	for k, v := range o.Labels {
		labels[k] = v
	}
	tmpl := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels,
			// kubectl logs and exec use this container when -c is not given.
			Annotations: map[string]string{classify.DefaultContainerAnnotation: main.Name}},
		Spec: spec,
	}
	if o.Kind.batch() {
		// A Job's pod must end; Always is not allowed in a Job.
		tmpl.Spec.RestartPolicy = corev1.RestartPolicyNever
	}
	notes := add.notes(main.Name)
	notes = append(notes,
		Note{Path: []string{"metadata", "annotations", classify.DefaultContainerAnnotation}, Text: "kubectl logs and kubectl exec pick the app when -c is not given"},
		Note{Path: []string{"spec", "containers", "name=" + main.Name}, Text: noteOr(p.main.note, mainDefault, "the app (main container)")})
	for _, e := range add.mainEnv {
		notes = append(notes, Note{Path: []string{"spec", "containers", "name=" + main.Name, "env", "name=" + e.Name},
			Text: "the app is pointed at the ambassador on localhost, never at the external service itself"})
	}

	var res Result
	for _, cm := range add.configMaps {
		cm.Namespace = o.Namespace
		res.Objects = append(res.Objects, Object{Object: cm, Notes: []Note{{Path: []string{"data"},
			Text: fmt.Sprintf("configuration the default images need; mounted read-only by pod %s", o.Name)}}})
	}
	meta := metav1.ObjectMeta{Name: o.Name, Namespace: o.Namespace, Labels: labels}
	res.Objects = append(res.Objects, wrap(&o, meta, tmpl, notes)...)

	if add.legacyBatch {
		res.Warnings = append(res.Warnings, legacyFindings(&tmpl)...)
	}
	return res, nil
}

func noteOr(note string, useNote bool, fallback string) string {
	if useNote && note != "" {
		return note
	}
	return fallback
}

// container builds a preset side, replaced by the user's image, command,
// args and port where given. The preset's command only fits its own image.
func container(s side, useDefault bool, image string, command, args []string, port int32) corev1.Container {
	c := corev1.Container{Name: s.name, Image: s.image}
	if useDefault {
		c.Command, c.Args = s.command, s.args
		if s.port != 0 {
			c.Ports = []corev1.ContainerPort{{Name: s.portKey, ContainerPort: s.port}}
		}
	} else {
		c.Image = image
	}
	if len(command) > 0 {
		c.Command, c.Args = command, nil
	}
	if len(args) > 0 {
		c.Args = args
	}
	if port != 0 {
		name := s.portKey
		if name == "" {
			name = "http"
		}
		c.Ports = []corev1.ContainerPort{{Name: name, ContainerPort: port}}
	}
	return c
}

// newAddition works out the helper and its wiring for options o.
func newAddition(o *Options, p preset, mainName string, batch bool) (*addition, error) {
	helperDefault := o.HelperImage == ""
	h := container(p.helper, helperDefault, o.HelperImage, o.HelperCommand, o.HelperArgs, o.HelperPort)
	if o.HelperName != "" {
		h.Name = o.HelperName
	}
	if h.Name == mainName {
		return nil, fmt.Errorf("the helper and the main container are both named %q: set --helper-name", h.Name)
	}
	a := &addition{helper: h, helperNote: noteOr(p.helper.note, helperDefault, ""), volumeNotes: map[string]string{}}
	switch o.Pattern {
	case PatternInit:
		a.initHelper = true
	case PatternNativeSidecar:
		a.native = true
	default:
		a.native = o.Native || batch && !o.Legacy
		a.legacyBatch = batch && o.Legacy
	}
	if a.helperNote == "" {
		a.helperNote = string(o.Pattern) + " helper"
	}
	// The ambassador's URL is the app's setting, whatever image the app is.
	a.mainEnv = p.main.env

	shares := p.shares
	shareNote := p.shareNote
	if len(o.Shares) > 0 {
		shares, shareNote = o.Shares, ""
	}
	for _, s := range shares {
		a.volumes = append(a.volumes, corev1.Volume{Name: s.Name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
		a.mainMounts = append(a.mainMounts, corev1.VolumeMount{Name: s.Name, MountPath: s.MainPath})
		a.helper.VolumeMounts = append(a.helper.VolumeMounts, corev1.VolumeMount{Name: s.Name, MountPath: s.HelperPath})
		note := fmt.Sprintf("emptyDir shared by %s (%s) and %s (%s)", mainName, s.MainPath, a.helper.Name, s.HelperPath)
		if shareNote != "" {
			note = shareNote
		}
		a.volumeNotes[s.Name] = note
	}
	if helperDefault {
		a.helper.VolumeMounts = append(a.helper.VolumeMounts, p.helper.mounts...)
		a.volumes = append(a.volumes, p.helper.volumes...)
		a.configMaps = append(a.configMaps, p.helper.configMaps...)
	}
	if a.native {
		always := corev1.ContainerRestartPolicyAlways
		a.helper.RestartPolicy = &always
		// A startup probe holds the app back until the helper is ready to
		// serve it; an exporter or log shipper does not serve the app.
		if o.Pattern != PatternAdapter && len(a.helper.Ports) > 0 && (p.probe || o.HelperPort != 0) {
			a.helper.StartupProbe = &corev1.Probe{
				ProbeHandler:     corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(a.helper.Ports[0].ContainerPort)}},
				PeriodSeconds:    1,
				FailureThreshold: 30,
			}
		}
	}
	return a, nil
}

// applyTo puts the helper and the volumes into a pod spec.
func (a *addition) applyTo(spec *corev1.PodSpec) {
	if a.helperList() == "initContainers" {
		spec.InitContainers = append(spec.InitContainers, a.helper)
	} else {
		spec.Containers = append(spec.Containers, a.helper)
	}
	spec.Volumes = append(spec.Volumes, a.volumes...)
}

// notes explains the helper and its wiring, paths relative to a pod template.
func (a *addition) notes(mainName string) []Note {
	item := []string{"spec", a.helperList(), "name=" + a.helper.Name}
	text := a.helperNote
	switch {
	case a.legacyBatch:
		text += "; WARNING: a regular container in a pod that must finish keeps it running, so the Job never completes (use a native sidecar on Kubernetes >= 1.29)"
	case a.helperList() == "containers":
		text += "; a regular container beside " + mainName + " (classic sidecar: works on every Kubernetes version, but nothing starts it before the app)"
	}
	out := []Note{{Path: item, Text: text}}
	if a.native {
		out = append(out, Note{Path: append(append([]string{}, item...), "restartPolicy"),
			Text: "Always makes this init container a native sidecar (Kubernetes >= 1.29): it starts before the app, runs for the pod's life, stops after the app and never keeps a Job from completing"})
	}
	if a.helper.StartupProbe != nil {
		out = append(out, Note{Path: append(append([]string{}, item...), "startupProbe"),
			Text: "the app starts only after this probe passes, so it never finds its helper down"})
	}
	for name, note := range a.volumeNotes {
		out = append(out, Note{Path: []string{"spec", "volumes", "name=" + name}, Text: note})
	}
	return out
}

// portsApart: the containers of a pod share one network namespace, so two
// of them cannot listen on one port.
func portsApart(main, helper *corev1.Container) error {
	for _, hp := range helper.Ports {
		for _, mp := range main.Ports {
			if hp.ContainerPort == mp.ContainerPort {
				return fmt.Errorf("%s and %s both use port %d: containers of a pod share one network namespace; set --helper-port or --port", main.Name, helper.Name, hp.ContainerPort)
			}
		}
	}
	return nil
}

func uniqueVolumes(vols []corev1.Volume) error {
	seen := map[string]bool{}
	for _, v := range vols {
		if seen[v.Name] {
			return fmt.Errorf("volume name %q is used twice: choose another --share name", v.Name)
		}
		seen[v.Name] = true
	}
	return nil
}

// wrap puts a pod template into the workload kind asked for. Notes are moved
// from the template to where the template sits in the object.
func wrap(o *Options, objMeta metav1.ObjectMeta, tmpl corev1.PodTemplateSpec, notes []Note) []Object {
	kind := o.Kind.workload()
	if kind.Finishes {
		notes = append(notes[:len(notes):len(notes)], jobRestartNote)
	}
	// The notes move to where the kind keeps its pod template.
	moved := make([]Note, len(notes))
	for i, n := range notes {
		moved[i] = Note{Path: append(append([]string{}, kind.TemplatePath()...), n.Path...), Text: n.Text}
	}
	meta := metav1.TypeMeta{APIVersion: kind.APIVersion(), Kind: kind.APIKind}
	one := int32(1)
	switch o.Kind {
	case KindDeployment:
		return []Object{{Object: &appsv1.Deployment{
			TypeMeta:   meta,
			ObjectMeta: objMeta,
			Spec: appsv1.DeploymentSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: tmpl.Labels},
				Template: tmpl},
		}, Notes: moved}}
	case KindStatefulSet:
		svc := &corev1.Service{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
			ObjectMeta: objMeta,
			Spec:       corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Selector: tmpl.Labels},
		}
		for _, p := range tmpl.Spec.Containers[0].Ports {
			svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{Name: p.Name, Port: p.ContainerPort, TargetPort: intstr.FromString(p.Name)})
		}
		return []Object{
			{Object: svc, Notes: []Note{{Path: []string{"spec", "clusterIP"},
				Text: "headless Service named in the StatefulSet's serviceName: gives each pod a stable DNS name"}}},
			{Object: &appsv1.StatefulSet{
				TypeMeta:   meta,
				ObjectMeta: objMeta,
				Spec: appsv1.StatefulSetSpec{ServiceName: objMeta.Name, Replicas: &one,
					Selector: &metav1.LabelSelector{MatchLabels: tmpl.Labels}, Template: tmpl},
			}, Notes: moved},
		}
	case KindJob:
		return []Object{{Object: &batchv1.Job{
			TypeMeta:   meta,
			ObjectMeta: objMeta,
			Spec:       batchv1.JobSpec{Template: tmpl},
		}, Notes: moved}}
	case KindCronJob:
		schedule := o.Schedule
		if schedule == "" {
			schedule = DefaultSchedule
		}
		out := append(moved, Note{Path: []string{"spec", "concurrencyPolicy"}, Text: "a new run waits until the last one has finished"})
		return []Object{{Object: &batchv1.CronJob{
			TypeMeta:   meta,
			ObjectMeta: objMeta,
			Spec: batchv1.CronJobSpec{Schedule: schedule, ConcurrencyPolicy: batchv1.ForbidConcurrent,
				JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: tmpl}}},
		}, Notes: out}}
	}
	pod := &corev1.Pod{
		TypeMeta:   meta,
		ObjectMeta: objMeta,
		Spec:       tmpl.Spec,
	}
	pod.Annotations = tmpl.Annotations
	return []Object{{Object: pod, Notes: notes}}
}

var jobRestartNote = Note{Path: []string{"spec", "restartPolicy"},
	Text: "a Job's pod must end: Never, and the Job controller retries with a new pod"}

// legacyFindings are describe's findings for a pod template that keeps a
// helper in spec.containers although it must finish.
func legacyFindings(tmpl *corev1.PodTemplateSpec) []string {
	pod := &corev1.Pod{ObjectMeta: tmpl.ObjectMeta, Spec: tmpl.Spec}
	r := report.Build(pod, nil, classify.BuiltinRules())
	var out []string
	for _, f := range r.Findings {
		if f.Severity == report.SeverityWarning && strings.Contains(f.Message, "regular container") {
			out = append(out, f.Message)
		}
	}
	return out
}

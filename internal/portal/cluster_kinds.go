package portal

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/duration"
)

// Kind is a resource the namespace view lists.
type Kind struct {
	Key   string // URL segment and element id, e.g. "pods"
	Title string
	GVR   schema.GroupVersionResource
	// Optional kinds are CRDs, shown only when the API serves them; Versions
	// are tried in order.
	Optional bool
	Versions []string
	Columns  []string
	// Empty is the empty state's text.
	Empty string
	row   func(u *unstructured.Unstructured, now time.Time) Row
	sort  func(items []unstructured.Unstructured)
}

// Table is a kind's rows as the page renders them.
type Table struct {
	Columns   []string
	Rows      []Row
	Truncated bool // more than listLimit exist
}

// Row is one object: its name and the cells after it.
type Row struct {
	Name  string
	Cells []Cell
}

// Cell is a value; Tone ("ok", "warn", "bad") colours status cells.
type Cell struct {
	Text string
	Tone string
}

// namespaceKinds are the tabs of the namespace view, in order.
var namespaceKinds = []*Kind{
	{Key: "pods", Title: "Pods", GVR: schema.GroupVersionResource{Version: "v1", Resource: "pods"},
		Columns: []string{"Name", "Ready", "Status", "Restarts", "Age"}, row: podRow,
		Empty: "No pods in this namespace."},
	{Key: "deployments", Title: "Deployments", GVR: schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"},
		Columns: []string{"Name", "Ready", "Up-to-date", "Available", "Age"}, row: deploymentRow,
		Empty: "No deployments in this namespace."},
	{Key: "services", Title: "Services", GVR: schema.GroupVersionResource{Version: "v1", Resource: "services"},
		Columns: []string{"Name", "Type", "Cluster IP", "Ports", "Age"}, row: serviceRow,
		Empty: "No services in this namespace."},
	{Key: "configmaps", Title: "Config maps", GVR: schema.GroupVersionResource{Version: "v1", Resource: "configmaps"},
		Columns: []string{"Name", "Data", "Age"}, row: configMapRow,
		Empty: "No config maps in this namespace."},
	{Key: "events", Title: "Events", GVR: schema.GroupVersionResource{Version: "v1", Resource: "events"},
		Columns: []string{"Name", "Type", "Reason", "Object", "Message", "Last seen"}, row: eventRow, sort: sortEvents,
		Empty: "No recent events in this namespace."},
	// KubeRocketCI (v2.edp.epam.com) and Tekton.
	{Key: "codebases", Title: "Codebases", GVR: schema.GroupVersionResource{Group: "v2.edp.epam.com", Resource: "codebases"},
		Optional: true, Versions: []string{"v1"},
		Columns: []string{"Name", "Type", "Language", "Status", "Age"}, row: codebaseRow,
		Empty: "No codebases in this namespace."},
	{Key: "cdpipelines", Title: "CD pipelines", GVR: schema.GroupVersionResource{Group: "v2.edp.epam.com", Resource: "cdpipelines"},
		Optional: true, Versions: []string{"v1"},
		Columns: []string{"Name", "Applications", "Status", "Age"}, row: cdPipelineRow,
		Empty: "No CD pipelines in this namespace."},
	{Key: "stages", Title: "Stages", GVR: schema.GroupVersionResource{Group: "v2.edp.epam.com", Resource: "stages"},
		Optional: true, Versions: []string{"v1"},
		Columns: []string{"Name", "CD pipeline", "Target namespace", "Status", "Age"}, row: stageRow,
		Empty: "No stages in this namespace."},
	{Key: "pipelineruns", Title: "Pipeline runs", GVR: schema.GroupVersionResource{Group: "tekton.dev", Resource: "pipelineruns"},
		Optional: true, Versions: []string{"v1", "v1beta1"},
		Columns: []string{"Name", "Pipeline", "Status", "Started", "Duration"}, row: pipelineRunRow, sort: sortNewestFirst,
		Empty: "No pipeline runs in this namespace."},
}

// kindByKey finds a namespace kind.
func kindByKey(key string) *Kind {
	for _, k := range namespaceKinds {
		if k.Key == key {
			return k
		}
	}
	return nil
}

func age(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

func str(u *unstructured.Unstructured, fields ...string) string {
	s, _, _ := unstructured.NestedString(u.Object, fields...)
	return s
}

func num(u *unstructured.Unstructured, fields ...string) int64 {
	n, _, _ := unstructured.NestedInt64(u.Object, fields...)
	return n
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// tone colours a status word.
func tone(status string) string {
	switch strings.ToLower(status) {
	case "running", "succeeded", "completed", "created", "true", "active", "normal", "ok", "ready", "available":
		return "ok"
	case "pending", "containercreating", "podinitializing", "terminating", "in_progress", "initialized", "running…", "started", "unknown", "warning":
		return "warn"
	case "":
		return ""
	}
	return "bad"
}

// PodStatus is the status word kubectl prints for a pod, and its ready
// containers, restarts.
func PodStatus(p *corev1.Pod) (status string, ready, total int, restarts int32) {
	status = string(p.Status.Phase)
	if p.Status.Reason != "" {
		status = p.Status.Reason
	}
	total = len(p.Spec.Containers)
	initializing := false
	for i, c := range p.Status.InitContainerStatuses {
		restarts += c.RestartCount
		switch {
		case c.State.Terminated != nil && c.State.Terminated.ExitCode == 0:
			continue
		case c.State.Terminated != nil:
			status = "Init:" + orWord(c.State.Terminated.Reason, fmt.Sprintf("ExitCode:%d", c.State.Terminated.ExitCode))
		case c.State.Waiting != nil && c.State.Waiting.Reason != "" && c.State.Waiting.Reason != "PodInitializing":
			status = "Init:" + c.State.Waiting.Reason
		default:
			status = fmt.Sprintf("Init:%d/%d", i, len(p.Spec.InitContainers))
		}
		initializing = true
		break
	}
	if !initializing {
		running := false
		for i := len(p.Status.ContainerStatuses) - 1; i >= 0; i-- {
			c := p.Status.ContainerStatuses[i]
			restarts += c.RestartCount
			switch {
			case c.State.Waiting != nil && c.State.Waiting.Reason != "":
				status = c.State.Waiting.Reason
			case c.State.Terminated != nil && c.State.Terminated.Reason != "":
				status = c.State.Terminated.Reason
			case c.State.Terminated != nil:
				status = fmt.Sprintf("ExitCode:%d", c.State.Terminated.ExitCode)
			case c.Ready && c.State.Running != nil:
				running = true
				ready++
			}
		}
		if status == "Completed" && running {
			status = "Running"
		}
	}
	if p.DeletionTimestamp != nil {
		status = "Terminating"
	}
	return status, ready, total, restarts
}

func orWord(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func podRow(u *unstructured.Unstructured, now time.Time) Row {
	var p corev1.Pod
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &p); err != nil {
		return Row{Name: u.GetName(), Cells: []Cell{{Text: "—"}, {Text: "unreadable", Tone: "bad"}, {Text: "—"}, {Text: age(u.GetCreationTimestamp(), now)}}}
	}
	status, ready, total, restarts := PodStatus(&p)
	return Row{Name: p.Name, Cells: []Cell{
		{Text: fmt.Sprintf("%d/%d", ready, total)},
		{Text: status, Tone: tone(status)},
		{Text: fmt.Sprint(restarts), Tone: map[bool]string{true: "warn"}[restarts > 0]},
		{Text: age(p.CreationTimestamp, now)},
	}}
}

func deploymentRow(u *unstructured.Unstructured, now time.Time) Row {
	want := num(u, "spec", "replicas")
	if _, found, _ := unstructured.NestedInt64(u.Object, "spec", "replicas"); !found {
		want = 1
	}
	ready := num(u, "status", "readyReplicas")
	t := "ok"
	if ready < want {
		t = "warn"
	}
	return Row{Name: u.GetName(), Cells: []Cell{
		{Text: fmt.Sprintf("%d/%d", ready, want), Tone: t},
		{Text: fmt.Sprint(num(u, "status", "updatedReplicas"))},
		{Text: fmt.Sprint(num(u, "status", "availableReplicas"))},
		{Text: age(u.GetCreationTimestamp(), now)},
	}}
}

func serviceRow(u *unstructured.Unstructured, now time.Time) Row {
	ports, _, _ := unstructured.NestedSlice(u.Object, "spec", "ports")
	var ps []string
	for _, p := range ports {
		m, _ := p.(map[string]any)
		s := fmt.Sprint(m["port"])
		if np, ok := m["nodePort"]; ok {
			s += ":" + fmt.Sprint(np)
		}
		if proto, ok := m["protocol"].(string); ok {
			s += "/" + proto
		}
		ps = append(ps, s)
	}
	return Row{Name: u.GetName(), Cells: []Cell{
		{Text: orDash(str(u, "spec", "type"))},
		{Text: orDash(str(u, "spec", "clusterIP"))},
		{Text: orDash(strings.Join(ps, ", "))},
		{Text: age(u.GetCreationTimestamp(), now)},
	}}
}

func configMapRow(u *unstructured.Unstructured, now time.Time) Row {
	data, _, _ := unstructured.NestedMap(u.Object, "data")
	bin, _, _ := unstructured.NestedMap(u.Object, "binaryData")
	return Row{Name: u.GetName(), Cells: []Cell{
		{Text: fmt.Sprint(len(data) + len(bin))},
		{Text: age(u.GetCreationTimestamp(), now)},
	}}
}

// eventTime is when an event was last seen.
func eventTime(u *unstructured.Unstructured) time.Time {
	for _, f := range [][]string{{"lastTimestamp"}, {"series", "lastObservedTime"}, {"eventTime"}, {"firstTimestamp"}} {
		if s := str(u, f...); s != "" {
			if t, err := time.Parse(time.RFC3339, s); err == nil {
				return t
			}
			if t, err := time.Parse(metav1.RFC3339Micro, s); err == nil {
				return t
			}
		}
	}
	return u.GetCreationTimestamp().Time
}

func sortEvents(items []unstructured.Unstructured) {
	sort.SliceStable(items, func(i, j int) bool { return eventTime(&items[i]).After(eventTime(&items[j])) })
}

func sortNewestFirst(items []unstructured.Unstructured) {
	sort.SliceStable(items, func(i, j int) bool {
		return items[i].GetCreationTimestamp().After(items[j].GetCreationTimestamp().Time)
	})
}

func eventRow(u *unstructured.Unstructured, now time.Time) Row {
	typ := str(u, "type")
	obj := strings.ToLower(str(u, "involvedObject", "kind")) + "/" + str(u, "involvedObject", "name")
	return Row{Name: u.GetName(), Cells: []Cell{
		{Text: orDash(typ), Tone: tone(typ)},
		{Text: orDash(str(u, "reason"))},
		{Text: obj},
		{Text: str(u, "message")},
		{Text: age(metav1.NewTime(eventTime(u)), now)},
	}}
}

func codebaseRow(u *unstructured.Unstructured, now time.Time) Row {
	status := str(u, "status", "status")
	return Row{Name: u.GetName(), Cells: []Cell{
		{Text: orDash(str(u, "spec", "type"))},
		{Text: orDash(str(u, "spec", "lang"))},
		{Text: orDash(status), Tone: tone(status)},
		{Text: age(u.GetCreationTimestamp(), now)},
	}}
}

func cdPipelineRow(u *unstructured.Unstructured, now time.Time) Row {
	apps, _, _ := unstructured.NestedStringSlice(u.Object, "spec", "applications")
	status := str(u, "status", "status")
	return Row{Name: u.GetName(), Cells: []Cell{
		{Text: orDash(strings.Join(apps, ", "))},
		{Text: orDash(status), Tone: tone(status)},
		{Text: age(u.GetCreationTimestamp(), now)},
	}}
}

func stageRow(u *unstructured.Unstructured, now time.Time) Row {
	status := str(u, "status", "status")
	return Row{Name: u.GetName(), Cells: []Cell{
		{Text: orDash(str(u, "spec", "cdPipeline"))},
		{Text: orDash(str(u, "spec", "namespace"))},
		{Text: orDash(status), Tone: tone(status)},
		{Text: age(u.GetCreationTimestamp(), now)},
	}}
}

// pipelineRunRow reads the Succeeded condition as tkn does.
func pipelineRunRow(u *unstructured.Unstructured, now time.Time) Row {
	status := "Unknown"
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Succeeded" {
			if r, _ := m["reason"].(string); r != "" {
				status = r
			} else if s, _ := m["status"].(string); s != "" {
				status = s
			}
		}
	}
	pipeline := str(u, "spec", "pipelineRef", "name")
	started, dur := "—", "—"
	if s := str(u, "status", "startTime"); s != "" {
		if st, err := time.Parse(time.RFC3339, s); err == nil {
			started = duration.HumanDuration(now.Sub(st)) + " ago"
			end := now
			if c := str(u, "status", "completionTime"); c != "" {
				if ct, err := time.Parse(time.RFC3339, c); err == nil {
					end = ct
				}
			}
			dur = duration.HumanDuration(end.Sub(st))
		}
	}
	t := tone(status)
	switch status {
	case "Running", "Started", "Pending", "PipelineRunPending":
		t = "warn"
	}
	return Row{Name: u.GetName(), Cells: []Cell{
		{Text: orDash(pipeline)}, {Text: status, Tone: t}, {Text: started}, {Text: dur},
	}}
}

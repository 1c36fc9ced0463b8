package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// ExtensionSpec describes a new directory extension definition.
type ExtensionSpec struct {
	Name          string // short name, e.g. default_namespace
	DataType      string
	TargetObjects []string
	IsMultiValued bool
}

// CreateExtensionProperty registers a directory extension on an
// application. Entra names it extension_{appId without dashes}_{name}.
func (r *Registry) CreateExtensionProperty(ctx context.Context, a Actor, appObjectID string, spec ExtensionSpec) (*directory.ExtensionProperty, error) {
	var p *directory.ExtensionProperty
	tgt := store.AuditTarget{ID: appObjectID, Type: "application"}
	err := r.change(ctx, a, "Update application – extension property added", []store.AuditTarget{tgt}, func() error {
		if err := check(a, WriteApplications); err != nil {
			return err
		}
		app, err := r.loadApplication(ctx, a, appObjectID)
		if err != nil {
			return err
		}
		tgt.DisplayName = app.DisplayName
		if err := directory.ValidateExtensionProperty(spec.Name, spec.DataType, spec.TargetObjects); err != nil {
			return err
		}
		existing, err := r.st.ListExtensionProperties(ctx, a.TenantID, app.ID)
		if err != nil {
			return err
		}
		if len(existing) >= directory.MaxExtensionsPerApp {
			return badRequest("The application %s already has the maximum of %d extension properties.", app.AppID, directory.MaxExtensionsPerApp)
		}
		p = &directory.ExtensionProperty{
			TenantID: a.TenantID, ID: directory.NewID(), AppObjectID: app.ID, AppDisplayName: app.DisplayName,
			Name: directory.ExtensionName(app.AppID, spec.Name), DataType: spec.DataType, IsMultiValued: spec.IsMultiValued,
			TargetObjects: spec.TargetObjects, CreatedAt: r.now(),
		}
		if err := r.st.CreateExtensionProperty(ctx, p); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return badRequest("An extension property named %s already exists on application %s.", p.Name, app.AppID)
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// UnknownExtensionError names extension properties that are not defined
// in the tenant, with the property the caller most likely meant.
type UnknownExtensionError struct {
	Names      []string
	Suggestion map[string]string // name → likely intended name
}

func (e *UnknownExtensionError) Error() string {
	msg := "The following extension properties are not available: " + strings.Join(e.Names, ", ") + "."
	for _, n := range e.Names {
		if s, ok := e.Suggestion[n]; ok {
			msg += fmt.Sprintf(" Did you mean '%s'? Directory extension names contain the application (client) ID without dashes.", s)
		}
	}
	return msg
}

var dashedExtensionRE = regexp.MustCompile(`^(?i)extension_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_(.+)$`)

// ExtensionValues validates extension values for a user against the
// tenant's definitions and returns them keyed by the defined name; a nil
// value removes it.
func (r *Registry) ExtensionValues(ctx context.Context, tenantID, target string, raw map[string]json.RawMessage) (map[string]any, error) {
	defs, err := r.st.ListExtensionProperties(ctx, tenantID, "")
	if err != nil {
		return nil, err
	}
	byName := map[string]*directory.ExtensionProperty{}
	for _, d := range defs {
		byName[strings.ToLower(d.Name)] = d
	}
	out := map[string]any{}
	unknown := &UnknownExtensionError{Suggestion: map[string]string{}}
	names := make([]string, 0, len(raw))
	for n := range raw {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		def, ok := byName[strings.ToLower(name)]
		if !ok {
			unknown.Names = append(unknown.Names, name)
			// Entra: the guide's literal spelling carries the dashed client
			// id; the defined name has none.
			if m := dashedExtensionRE.FindStringSubmatch(name); m != nil {
				if d, ok := byName[strings.ToLower(directory.ExtensionName(m[1], m[2]))]; ok {
					unknown.Suggestion[name] = d.Name
				}
			}
			continue
		}
		if !containsFold(def.TargetObjects, target) {
			return nil, badRequest("The extension property %s does not apply to %s objects.", def.Name, target)
		}
		v, err := directory.CoerceExtensionValue(def, raw[name])
		if err != nil {
			return nil, badRequest("%v", err)
		}
		out[def.Name] = v
	}
	if len(unknown.Names) > 0 {
		return nil, unknown
	}
	return out, nil
}

// DeleteExtensionProperty removes a definition. Values stay on objects but
// are no longer exposed, as in Entra.
func (r *Registry) DeleteExtensionProperty(ctx context.Context, a Actor, appObjectID, id string) error {
	tgt := store.AuditTarget{ID: appObjectID, Type: "application"}
	return r.change(ctx, a, "Update application – extension property removed", []store.AuditTarget{tgt}, func() error {
		if err := check(a, WriteApplications); err != nil {
			return err
		}
		app, err := r.loadApplication(ctx, a, appObjectID)
		if err != nil {
			return err
		}
		tgt.DisplayName = app.DisplayName
		p, err := r.st.GetExtensionProperty(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		if p.AppObjectID != appObjectID {
			return fmt.Errorf("extension property %s of application %s: %w", id, appObjectID, store.ErrNotFound)
		}
		return r.st.DeleteExtensionProperty(ctx, a.TenantID, id)
	})
}

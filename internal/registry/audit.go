package registry

import (
	"context"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// change runs one directory change for a and records it, whether it
// happened or was refused or failed. activity is the registry's words for
// it; a.Activity, when set, replaces them (the admin centre names the
// page the change came from).
func (r *Registry) change(ctx context.Context, a Actor, activity string, targets []store.AuditTarget, do func() error) error {
	err := do()
	r.record(ctx, a, activity, targets, err)
	return err
}

// record appends an audit record. A failure to store it is logged: the
// change itself has happened (or failed) already.
func (r *Registry) record(ctx context.Context, a Actor, activity string, targets []store.AuditTarget, err error) {
	if a.Activity != "" {
		activity = a.Activity
	}
	rec := &store.AuditRecord{TenantID: a.TenantID, ID: directory.NewID(), Time: r.now(), Activity: activity,
		Operation: a.Request, Result: "success", IPAddress: a.IPAddress, Via: a.Via, Targets: targets}
	if rec.Targets == nil {
		rec.Targets = []store.AuditTarget{}
	}
	r.nameTargets(ctx, a.TenantID, rec.Targets)
	if rec.Via == "" {
		rec.Via = "Graph API"
	}
	switch a.Kind {
	case ActorSystem:
		rec.ActorType, rec.ActorName = "system", "Gatehouse"
	case ActorUser:
		rec.ActorType = "user"
		if a.User != nil {
			rec.ActorID, rec.ActorName = a.User.ID, a.User.UserPrincipalName
		}
	case ActorApp:
		rec.ActorType = "application"
	}
	if a.App != nil {
		rec.AppID, rec.AppName = a.App.AppID, a.App.DisplayName
		if a.Kind == ActorApp {
			rec.ActorID, rec.ActorName = a.App.ID, a.App.DisplayName
		}
	}
	if err != nil {
		rec.Result, rec.ResultReason = "failure", reason(err)
	}
	if rec.TenantID == "" {
		return // nothing to file it under (a tenant that failed to be created)
	}
	if serr := r.st.CreateAuditRecord(ctx, rec); serr != nil {
		r.log.Error("store audit record", "activity", activity, "err", serr)
	}
	if err != nil {
		r.log.Info("directory change refused or failed", "tenant", a.TenantID, "activity", activity, "actor", rec.ActorName,
			"via", rec.Via, "reason", rec.ResultReason)
	}
}

// nameTargets fills in the names of targets a write method knew only by
// id (what Graph's path named), so the log reads "alex@contoso.example
// (user)", not an id. A deleted object keeps the name it was given or none.
func (r *Registry) nameTargets(ctx context.Context, tenantID string, ts []store.AuditTarget) {
	for i := range ts {
		t := &ts[i]
		if t.DisplayName != "" || t.ID == "" {
			continue
		}
		switch t.Type {
		case "application":
			if a, err := r.st.GetApplication(ctx, tenantID, t.ID); err == nil {
				t.DisplayName = a.DisplayName
			}
		case "servicePrincipal":
			if sp, err := r.st.GetServicePrincipal(ctx, tenantID, t.ID); err == nil {
				t.DisplayName = sp.DisplayName
			}
		case "policy":
			if p, err := r.st.GetPolicy(ctx, tenantID, t.ID); err == nil {
				t.DisplayName = p.DisplayName
			}
		default: // user, group, directoryObject, principal
			if _, name, err := r.principalKind(ctx, tenantID, t.ID); err == nil {
				t.DisplayName = name
			}
		}
	}
}

// reason is what the audit log says about a failed change: the message a
// caller saw, never an internal cause with paths or SQL.
func reason(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, " ("); i > 0 && strings.Contains(msg, "constraint") {
		msg = msg[:i]
	}
	return msg
}

func appTarget(a *directory.Application) store.AuditTarget {
	return store.AuditTarget{ID: a.ID, Type: "application", DisplayName: a.DisplayName}
}

func spTarget(sp *directory.ServicePrincipal) store.AuditTarget {
	return store.AuditTarget{ID: sp.ID, Type: "servicePrincipal", DisplayName: sp.DisplayName}
}

func userTarget(u *directory.User) store.AuditTarget {
	return store.AuditTarget{ID: u.ID, Type: "user", DisplayName: u.UserPrincipalName}
}

func groupTarget(g *directory.Group) store.AuditTarget {
	return store.AuditTarget{ID: g.ID, Type: "group", DisplayName: g.DisplayName}
}

func policyTarget(p *directory.Policy) store.AuditTarget {
	return store.AuditTarget{ID: p.ID, Type: "policy", DisplayName: p.DisplayName}
}

func targets(ts ...store.AuditTarget) []store.AuditTarget { return ts }

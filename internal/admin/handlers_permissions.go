package admin

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/registry"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/graph"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// API permissions: the permissions an app registration declares
// (requiredResourceAccess), whether each is granted in the tenant, adding
// Microsoft Graph's application and delegated permissions from its real
// catalogue, and "Grant admin consent for <tenant>".

type permissionsView struct {
	Rows         []permissionRow
	Other        []permissionRow // granted to the app but no longer configured
	CanConsent   bool
	NeedsConsent bool
	// The add form.
	AddType string // "Role" (application) or "Scope" (delegated)
	Catalog []catalogEntry
}

type permissionRow struct {
	API           string
	ResourceAppID string
	ID, Value     string
	Description   string
	TypeCode      string // Role or Scope
	Type          string // Application or Delegated
	AdminConsent  bool   // the permission needs an administrator's consent
	Granted       bool
}

type catalogEntry struct {
	ID, Value, Description string
	AdminConsent           bool
	Configured             bool
}

func permissionType(code string) string {
	if code == "Role" {
		return "Application"
	}
	return "Delegated"
}

// permissionsView reads the declared and granted permissions.
func (s *Server) permissionsView(r *http.Request, p *principal, a *directory.Application, sp *directory.ServicePrincipal) (*permissionsView, error) {
	st := s.reg.Reader()
	v := &permissionsView{}
	granted := map[string]bool{}   // resource SP id + "/" + app role id
	delegated := map[string]bool{} // resource SP id + "/" + scope value, admin-consented
	if sp != nil {
		as, err := st.ListAppRoleAssignmentsByPrincipal(r.Context(), p.Tenant.ID, sp.ID)
		if err != nil {
			return nil, err
		}
		for _, as := range as {
			granted[as.ResourceID+"/"+strings.ToLower(as.AppRoleID)] = true
		}
		grants, err := st.ListPermissionGrants(r.Context(), p.Tenant.ID, store.PermissionGrantFilter{ClientID: sp.ID, ConsentType: directory.ConsentAllPrincipals})
		if err != nil {
			return nil, err
		}
		for _, g := range grants {
			for _, sc := range strings.Fields(g.Scope) {
				delegated[g.ResourceID+"/"+sc] = true
			}
		}
	}
	graphRoles := false
	resources := map[string]*directory.ServicePrincipal{}
	resource := func(appID string) (*directory.ServicePrincipal, error) {
		if rs, ok := resources[appID]; ok {
			return rs, nil
		}
		rs, err := st.GetServicePrincipalByAppID(r.Context(), p.Tenant.ID, strings.ToLower(appID))
		if errors.Is(err, store.ErrNotFound) {
			rs, err = nil, nil
		}
		resources[appID] = rs
		return rs, err
	}
	configured := map[string]bool{}
	for _, rra := range a.RequiredResourceAccess {
		rs, err := resource(rra.ResourceAppID)
		if err != nil {
			return nil, err
		}
		for _, ra := range rra.ResourceAccess {
			row := permissionRow{API: rra.ResourceAppID, ResourceAppID: rra.ResourceAppID, ID: ra.ID, Value: ra.ID, TypeCode: ra.Type, Type: permissionType(ra.Type)}
			if rs != nil {
				row.API = rs.DisplayName
				fillPermission(&row, rs)
				if ra.Type == "Role" {
					row.Granted = granted[rs.ID+"/"+strings.ToLower(ra.ID)]
					configured[rs.ID+"/"+strings.ToLower(ra.ID)] = true
				}
			}
			// Delegated permissions are granted by an AllPrincipals
			// oauth2PermissionGrant (admin consent); users may also have
			// consented for themselves, which this page does not show.
			if ra.Type == "Scope" && rs != nil {
				row.Granted = delegated[rs.ID+"/"+row.Value]
			}
			if !row.Granted {
				v.NeedsConsent = true
			}
			graphRoles = graphRoles || ra.Type == "Role" && strings.EqualFold(rra.ResourceAppID, directory.GraphAppID)
			v.Rows = append(v.Rows, row)
		}
	}
	if sp != nil {
		as, _ := st.ListAppRoleAssignmentsByPrincipal(r.Context(), p.Tenant.ID, sp.ID)
		for _, as := range as {
			if configured[as.ResourceID+"/"+strings.ToLower(as.AppRoleID)] {
				continue
			}
			rs, err := st.GetServicePrincipal(r.Context(), p.Tenant.ID, as.ResourceID)
			if err != nil {
				continue
			}
			row := permissionRow{API: rs.DisplayName, ResourceAppID: rs.AppID, ID: as.AppRoleID, Value: as.AppRoleID, TypeCode: "Role", Type: "Application", Granted: true}
			fillPermission(&row, rs)
			v.Other = append(v.Other, row)
		}
	}
	// Entra: application and cloud application administrators consent to
	// anything but Microsoft Graph's application permissions.
	v.CanConsent = p.can(registry.AssignAppRoles, registry.WritePermissionGrants) &&
		(!graphRoles || p.Actor.HasRole(directory.RoleGlobalAdministrator, directory.RolePrivilegedRoleAdministrator))
	return v, nil
}

func fillPermission(row *permissionRow, rs *directory.ServicePrincipal) {
	if row.TypeCode == "Role" {
		for _, role := range rs.AppRoles {
			if strings.EqualFold(role.ID, row.ID) {
				row.Value, row.Description, row.AdminConsent = role.Value, role.DisplayName, true
			}
		}
		return
	}
	for _, sc := range rs.OAuth2PermissionScopes {
		if strings.EqualFold(sc.ID, row.ID) {
			row.Value, row.AdminConsent = sc.Value, sc.Type == "Admin"
		}
	}
}

func (s *Server) permissionsPage(w http.ResponseWriter, r *http.Request, p *principal) {
	pg, ok := s.loadAppTab(w, r, p, "permissions", "API permissions")
	if !ok {
		return
	}
	a, sp := pg.App, pg.SP
	var err error
	if pg.Permissions, err = s.permissionsView(r, p, a, sp); err != nil {
		s.serverError(w, r, p, "load permissions", err)
		return
	}
	s.render(w, http.StatusOK, "application_permissions", pg)
}

// graphCatalogue is Microsoft Graph's permission list of one type.
func graphCatalogue(typ string, a *directory.Application) []catalogEntry {
	configured := map[string]bool{}
	for _, rra := range a.RequiredResourceAccess {
		if rra.ResourceAppID == directory.GraphAppID {
			for _, ra := range rra.ResourceAccess {
				if ra.Type == typ {
					configured[strings.ToLower(ra.ID)] = true
				}
			}
		}
	}
	var out []catalogEntry
	if typ == "Role" {
		for _, role := range directory.GraphAppRoles() {
			out = append(out, catalogEntry{ID: role.ID, Value: role.Value, Description: role.DisplayName, AdminConsent: true, Configured: configured[role.ID]})
		}
		return out
	}
	for _, sc := range directory.GraphScopes() {
		out = append(out, catalogEntry{ID: sc.ID, Value: sc.Value, AdminConsent: sc.Type == "Admin", Configured: configured[sc.ID]})
	}
	return out
}

// permissionTypeParam reads ?type= / type=: application (Role) or delegated (Scope).
func permissionTypeParam(v string) string {
	if v == "delegated" || v == "Scope" {
		return "Scope"
	}
	return "Role"
}

func (s *Server) addPermissionsForm(w http.ResponseWriter, r *http.Request, p *principal) {
	a, sp, ok := s.loadApp(w, r, p)
	if !ok {
		return
	}
	if !p.can(registry.WriteApplications) {
		s.denied(w, p, "/applications/"+a.ID+"/permissions")
		return
	}
	pg := s.appPage(r, p, a, sp, "permissions", "Request API permissions")
	typ := permissionTypeParam(r.URL.Query().Get("type"))
	pg.Permissions = &permissionsView{AddType: typ, Catalog: graphCatalogue(typ, a)}
	s.render(w, http.StatusOK, "application_permissions_add", pg)
}

// selectedPermissions checks the chosen ids against the catalogue.
func selectedPermissions(typ string, chosen []string) ([]string, *FormError) {
	known := map[string]bool{}
	for _, c := range graphCatalogue(typ, &directory.Application{}) {
		known[c.ID] = true
	}
	var ids []string
	for _, id := range chosen {
		id = strings.ToLower(strings.TrimSpace(id))
		if !known[id] {
			return nil, formError("'%s' is not a Microsoft Graph %s permission.", id, strings.ToLower(permissionType(typ)))
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, formError("Select at least one permission.")
	}
	return ids, nil
}

func (s *Server) addPermissions(w http.ResponseWriter, r *http.Request, p *principal) {
	a, sp, ok := s.loadApp(w, r, p)
	if !ok {
		return
	}
	r.ParseForm()
	typ := permissionTypeParam(r.PostFormValue("type"))
	ids, ferr := selectedPermissions(typ, r.PostForm["permission"])
	if ferr == nil {
		_, gerr := s.apply(r.Context(), p, change{Activity: "Update application – API permissions", Method: "PATCH", Path: "applications/" + a.ID,
			Body: map[string]any{"requiredResourceAccess": withPermissions(a.RequiredResourceAccess, directory.GraphAppID, typ, ids)}})
		if gerr == nil {
			http.Redirect(w, r, "/applications/"+a.ID+"/permissions?done=permissions-added", http.StatusSeeOther)
			return
		}
		ferr = graphError(gerr)
	}
	pg := s.appPage(r, p, a, sp, "permissions", "Request API permissions")
	pg.Permissions = &permissionsView{AddType: typ, Catalog: graphCatalogue(typ, a)}
	pg.Error = ferr
	s.render(w, http.StatusBadRequest, "application_permissions_add", pg)
}

func (s *Server) confirmRemovePermission(w http.ResponseWriter, r *http.Request, p *principal) {
	a, sp, ok := s.loadApp(w, r, p)
	if !ok {
		return
	}
	q := r.URL.Query()
	v, err := s.permissionsView(r, p, a, sp)
	if err != nil {
		s.serverError(w, r, p, "load permissions", err)
		return
	}
	for _, row := range v.Rows {
		if strings.EqualFold(row.ResourceAppID, q.Get("api")) && strings.EqualFold(row.ID, q.Get("id")) && row.TypeCode == q.Get("type") {
			s.render(w, http.StatusOK, "confirm", &confirmPage{Layout: s.layout(r, p, "Remove permission", "applications",
				Crumb{"App registrations", "/applications"}, Crumb{a.DisplayName, "/applications/" + a.ID}, Crumb{"API permissions", "/applications/" + a.ID + "/permissions"}),
				Text:        "Remove the " + row.API + " " + strings.ToLower(row.Type) + " permission " + row.Value + " from " + a.DisplayName + "'s configured permissions?",
				Consequence: "Consent already granted is not revoked by this; the permission then shows under other permissions granted.",
				Action:      "/applications/" + a.ID + "/permissions/remove", Button: "Remove permission", Cancel: "/applications/" + a.ID + "/permissions",
				Hidden: map[string]string{"api": row.ResourceAppID, "id": row.ID, "type": row.TypeCode}})
			return
		}
	}
	s.notFound(w, p, "Configured permission", "/applications/"+a.ID+"/permissions")
}

func (s *Server) removePermission(w http.ResponseWriter, r *http.Request, p *principal) {
	a, sp, ok := s.loadApp(w, r, p)
	if !ok {
		return
	}
	rra := withoutPermission(a.RequiredResourceAccess, r.PostFormValue("api"), r.PostFormValue("type"), r.PostFormValue("id"))
	_, gerr := s.apply(r.Context(), p, change{Activity: "Update application – API permissions", Method: "PATCH", Path: "applications/" + a.ID,
		Body: map[string]any{"requiredResourceAccess": rra}})
	if gerr != nil {
		s.permissionsError(w, r, p, a, sp, gerr)
		return
	}
	http.Redirect(w, r, "/applications/"+a.ID+"/permissions?done=permission-removed", http.StatusSeeOther)
}

func (s *Server) permissionsError(w http.ResponseWriter, r *http.Request, p *principal, a *directory.Application, sp *directory.ServicePrincipal, gerr *graph.Error) {
	pg := s.appPage(r, p, a, sp, "permissions", "API permissions")
	pg.Error = graphError(gerr)
	var err error
	if pg.Permissions, err = s.permissionsView(r, p, a, sp); err != nil {
		s.serverError(w, r, p, "load permissions", err)
		return
	}
	s.render(w, gerr.Status, "application_permissions", pg)
}

// grantAdminConsent grants every configured application permission not yet
// granted, as app role assignments from the app's service principal
// (created first if the app has none, as the Entra admin centre does) to
// each resource: one Graph POST servicePrincipals/{id}/appRoleAssignments
// per permission.
func (s *Server) grantAdminConsent(w http.ResponseWriter, r *http.Request, p *principal) {
	a, sp, ok := s.loadApp(w, r, p)
	if !ok {
		return
	}
	if !p.can(registry.AssignAppRoles, registry.WritePermissionGrants) {
		s.permissionsError(w, r, p, a, sp, &graph.Error{Status: http.StatusForbidden, Code: "Authorization_RequestDenied",
			Message: "Insufficient privileges to complete the operation. Granting admin consent needs the Global Administrator, Privileged Role Administrator, Application Administrator or Cloud Application Administrator role."})
		return
	}
	st := s.reg.Reader()
	if sp == nil {
		resp, gerr := s.apply(r.Context(), p, change{Activity: "Add service principal", Method: "POST", Path: "servicePrincipals",
			Body: map[string]string{"appId": a.AppID}})
		if gerr != nil {
			s.permissionsError(w, r, p, a, nil, gerr)
			return
		}
		var err error
		if sp, err = st.GetServicePrincipal(r.Context(), p.Tenant.ID, createdID(resp)); err != nil {
			s.serverError(w, r, p, "load created service principal", err)
			return
		}
	}
	v, err := s.permissionsView(r, p, a, sp)
	if err != nil {
		s.serverError(w, r, p, "load permissions", err)
		return
	}
	if !v.CanConsent {
		s.permissionsError(w, r, p, a, sp, &graph.Error{Status: http.StatusForbidden, Code: "Authorization_RequestDenied",
			Message: "Insufficient privileges to complete the operation. Granting Microsoft Graph application permissions needs the Global Administrator or Privileged Role Administrator role."})
		return
	}
	scopes := map[string][]string{} // resource appId → delegated permissions to grant
	for _, row := range v.Rows {
		if row.TypeCode == "Scope" && !row.Granted {
			scopes[strings.ToLower(row.ResourceAppID)] = append(scopes[strings.ToLower(row.ResourceAppID)], row.Value)
		}
		if row.TypeCode != "Role" || row.Granted {
			continue
		}
		resource, err := st.GetServicePrincipalByAppID(r.Context(), p.Tenant.ID, strings.ToLower(row.ResourceAppID))
		if err != nil {
			s.permissionsError(w, r, p, a, sp, &graph.Error{Status: http.StatusBadRequest, Code: "Request_ResourceNotFound",
				Message: "The resource " + row.ResourceAppID + " has no service principal in this tenant, so its permission " + row.Value + " cannot be granted."})
			return
		}
		_, gerr := s.apply(r.Context(), p, change{Activity: "Add app role assignment to service principal – " + row.Value, Method: "POST",
			Path: "servicePrincipals/" + sp.ID + "/appRoleAssignments",
			Body: map[string]string{"principalId": sp.ID, "resourceId": resource.ID, "appRoleId": row.ID}})
		if gerr != nil {
			s.permissionsError(w, r, p, a, sp, gerr)
			return
		}
	}
	for resourceAppID, values := range scopes {
		if gerr := s.grantDelegated(r, p, sp, resourceAppID, values); gerr != nil {
			s.permissionsError(w, r, p, a, sp, gerr)
			return
		}
	}
	http.Redirect(w, r, "/applications/"+a.ID+"/permissions?done=consent", http.StatusSeeOther)
}

// grantDelegated records admin consent to delegated permissions of one
// resource: Graph's POST oauth2PermissionGrants (AllPrincipals), or a PATCH
// of the scope of the grant that exists.
func (s *Server) grantDelegated(r *http.Request, p *principal, client *directory.ServicePrincipal, resourceAppID string, values []string) *graph.Error {
	st := s.reg.Reader()
	resource, err := st.GetServicePrincipalByAppID(r.Context(), p.Tenant.ID, resourceAppID)
	if err != nil {
		return &graph.Error{Status: http.StatusBadRequest, Code: "Request_ResourceNotFound",
			Message: "The resource " + resourceAppID + " has no service principal in this tenant, so its delegated permissions cannot be granted."}
	}
	existing, err := st.ListPermissionGrants(r.Context(), p.Tenant.ID, store.PermissionGrantFilter{ClientID: client.ID,
		ResourceID: resource.ID, ConsentType: directory.ConsentAllPrincipals})
	if err != nil {
		return &graph.Error{Status: http.StatusInternalServerError, Code: "Service_InternalServerError", Message: "The grants could not be read.", Cause: err}
	}
	if len(existing) == 0 {
		_, gerr := s.apply(r.Context(), p, change{Activity: "Consent to application – " + resource.DisplayName, Method: "POST", Path: "oauth2PermissionGrants",
			Body: map[string]any{"clientId": client.ID, "consentType": directory.ConsentAllPrincipals, "resourceId": resource.ID, "scope": strings.Join(values, " ")}})
		return gerr
	}
	scope := existing[0].Scope
	for _, v := range values {
		if !slices.Contains(strings.Fields(scope), v) {
			scope = strings.TrimSpace(scope + " " + v)
		}
	}
	_, gerr := s.apply(r.Context(), p, change{Activity: "Consent to application – " + resource.DisplayName, Method: "PATCH",
		Path: "oauth2PermissionGrants/" + existing[0].ID, Body: map[string]any{"scope": scope}})
	return gerr
}

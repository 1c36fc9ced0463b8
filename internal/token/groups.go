package token

import (
	"sort"

	"github.com/gatehouse-id/gatehouse/internal/directory"
)

// MaxGroupsInJWT is Entra's overage limit for JWTs: above it, the token
// carries a pointer to where the groups can be fetched instead of the list.
const MaxGroupsInJWT = 200

// addGroups emits `groups` (and `wids`) as the audience app's
// groupMembershipClaims says, or the overage pointer when there are too many.
func addGroups(r *Request, c map[string]any) {
	if r.User == nil || r.AudienceApp == nil {
		return
	}
	switch r.AudienceApp.GroupMembershipClaims {
	case directory.GroupClaimsAll, directory.GroupClaimsDirectoryRole:
		if len(r.DirectoryRoles) > 0 {
			c["wids"] = r.DirectoryRoles
		}
	}
	values := GroupClaimValues(r)
	if len(values) == 0 {
		return
	}
	if len(values) > MaxGroupsInJWT {
		// Entra's overage form: _claim_names points the groups claim at a
		// source, _claim_sources says where to fetch it (OIDC Core §5.6.2).
		c["_claim_names"] = map[string]string{"groups": "src1"}
		src := map[string]string{"endpoint": r.GroupsOverageEndpoint}
		if r.GroupsOverageAccessToken != "" {
			src["access_token"] = r.GroupsOverageAccessToken
		}
		c["_claim_sources"] = map[string]any{"src1": src}
		return
	}
	c["groups"] = values
}

// GroupClaimValues returns what the groups claim carries for a request,
// however many: object ids of the groups groupMembershipClaims selects, or
// their display names when the optional claim asks for them. The overage
// endpoint serves the same list.
func GroupClaimValues(r *Request) []string {
	if r.User == nil || r.AudienceApp == nil {
		return nil
	}
	var selected []*directory.Group
	for _, g := range r.Groups {
		switch r.AudienceApp.GroupMembershipClaims {
		case directory.GroupClaimsSecurityGroup:
			if g.SecurityEnabled {
				selected = append(selected, g)
			}
		case directory.GroupClaimsAll:
			selected = append(selected, g)
		case directory.GroupClaimsApplicationGroup:
			if r.AppGroupIDs[g.ID] {
				selected = append(selected, g)
			}
		}
	}
	out := make([]string, 0, len(selected))
	names := groupNames(r)
	for _, g := range selected {
		if names {
			out = append(out, g.DisplayName)
		} else {
			out = append(out, g.ID)
		}
	}
	sort.Strings(out)
	return out
}

// groupNames: Entra emits group display names instead of object ids when
// the optional claim "groups" asks for them with the additional property
// "cloud_displayname" — for clusters that bind RBAC by group name.
func groupNames(r *Request) bool {
	list := r.AudienceApp.OptionalClaims.AccessToken
	if r.Kind == IDToken {
		list = r.AudienceApp.OptionalClaims.IDToken
	}
	for _, oc := range list {
		if oc.Name != "groups" {
			continue
		}
		for _, p := range oc.AdditionalProperties {
			if p == "cloud_displayname" {
				return true
			}
		}
	}
	return false
}

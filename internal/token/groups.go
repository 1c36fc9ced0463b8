package token

import (
	"sort"

	"github.com/gatehouse-id/gatehouse/internal/directory"
)

// MaxGroupsInJWT is Entra's overage limit for JWTs: above it, the token
// carries a pointer to where the groups can be fetched instead of the list.
const MaxGroupsInJWT = 200

// addGroups emits `groups` as the audience app's groupMembershipClaims says.
func addGroups(r *Request, c map[string]any) {
	if r.User == nil || r.AudienceApp == nil {
		return
	}
	var ids []string
	switch r.AudienceApp.GroupMembershipClaims {
	case directory.GroupClaimsSecurityGroup:
		for _, g := range r.Groups {
			if g.SecurityEnabled {
				ids = append(ids, g.ID)
			}
		}
	case directory.GroupClaimsAll:
		for _, g := range r.Groups {
			ids = append(ids, g.ID)
		}
		if len(r.User.DirectoryRoles) > 0 {
			c["wids"] = r.User.DirectoryRoles
		}
	case directory.GroupClaimsApplicationGroup:
		for _, g := range r.Groups {
			if r.AppGroupIDs[g.ID] {
				ids = append(ids, g.ID)
			}
		}
	case directory.GroupClaimsDirectoryRole:
		if len(r.User.DirectoryRoles) > 0 {
			c["wids"] = r.User.DirectoryRoles
		}
		return
	default:
		return
	}
	if len(ids) == 0 {
		return
	}
	sort.Strings(ids)
	if len(ids) > MaxGroupsInJWT {
		// Entra's overage form: _claim_names points the groups claim at a
		// source, _claim_sources says where to fetch it.
		c["_claim_names"] = map[string]string{"groups": "src1"}
		c["_claim_sources"] = map[string]any{"src1": map[string]string{"endpoint": r.GroupsOverageEndpoint}}
		return
	}
	c["groups"] = ids
}

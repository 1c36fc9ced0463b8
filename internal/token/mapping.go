package token

import (
	"strings"
)

// restrictedClaims cannot be produced or overridden by claims mapping:
// Entra's JWT restricted claim set (reference-claims-mapping-policy-type,
// "Restricted claim set"), plus given_name and family_name, which Gatehouse
// also keeps to the directory's values (security review: a mapped name
// should not pose as the user's).
var restrictedClaims = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(`_claim_names _claim_sources aai access_token account_type acct acr acrs actor
		actortoken agegroup aio altsecid amr app_chain app_displayname app_res appctx appctxsender appid appidacr
		assertion at_hash aud auth_data auth_time authorization_code azp azpacr bk_claim bk_enclave bk_pub c_hash
		ca_enf ca_policy_result capolids capolids_latebind cc cnf code controls controls_auds credential_keys ctry
		deviceid domain_dns_name domain_netbios_name e_exp email endpoint enfpolids expires_on fido_auth_data
		fwd fwd_appidacr graph group_sids groups hasgroups haswids home_oid home_puid home_tid identityprovider idp
		idtyp in_corp instance inviteticket ipaddr isbrowserhostedapp iss isviral login_hint mam_compliance_url
		mam_enrollment_url mam_terms_of_use_url mdm_compliance_url mdm_enrollment_url mdm_terms_of_use_url msproxy
		nameid nbf exp iat nickname nonce oid on_prem_id onprem_sam_account_name onprem_sid openid2_id origin_header
		password platf polids pop_jwk preferred_username previous_refresh_token primary_sid prov_data puid
		pwd_exp pwd_url rdp_bt redirect_uri refresh_token_issued_on refreshtoken request_nonce resource rh role
		roles rotation_secret rp_id rt_type scope scp sid signature signin_state source_anchor src1 src2 sub tbid
		tbidv2 tenant_ctry tenant_display_name tenant_region_scope tenant_region_sub_scope thumbnail_photo tid
		tokenautologonenabled trustedfordelegation ttr unique_name upn user_setting_sync_url uti ver
		verified_primary_email verified_secondary_email vnet vsm_binding_key wamcompat_client_info
		wamcompat_id_token wamcompat_scopes wids xcb2b_rclient xcb2b_rcloud xcb2b_rtenant ztdid
		given_name family_name`) {
		m[c] = true
	}
	return m
}()

// IsRestrictedClaim reports whether claims mapping may not emit name.
func IsRestrictedClaim(name string) bool {
	return restrictedClaims[strings.ToLower(name)] || strings.HasPrefix(strings.ToLower(name), "xms_")
}

// applyClaimsMapping adds the mapped claims of the audience's claims mapping
// policy. Entra refuses to issue the token (AADSTS50146) unless the app
// accepts mapped claims.
func applyClaimsMapping(r *Request, c map[string]any) error {
	m := r.ClaimsMapping
	if m == nil || len(m.Claims) == 0 || r.User == nil {
		return nil
	}
	if r.AudienceApp == nil || r.AudienceApp.API.AcceptMappedClaims == nil || !*r.AudienceApp.API.AcceptMappedClaims {
		return ErrMappedClaimsNotAccepted
	}
	for _, mc := range m.Claims {
		if mc.JWTClaimType == "" || IsRestrictedClaim(mc.JWTClaimType) {
			continue
		}
		if v, ok := userAttribute(r, mc); ok {
			c[mc.JWTClaimType] = v
		}
	}
	return nil
}

// userAttribute reads a mapped claim's value; no value means no claim.
func userAttribute(r *Request, mc MappedClaim) (any, bool) {
	u := r.User
	if !strings.EqualFold(mc.Source, "user") {
		return nil, false
	}
	if mc.ExtensionID != "" {
		// Entra reads extension values case-sensitively by full name.
		v, ok := u.Extensions[mc.ExtensionID]
		return v, ok && v != nil
	}
	var v string
	switch strings.ToLower(mc.ID) {
	case "userprincipalname":
		v = u.UserPrincipalName
	case "mail":
		v = u.Mail
	case "displayname":
		v = u.DisplayName
	case "givenname":
		v = u.GivenName
	case "surname":
		v = u.Surname
	case "objectid":
		v = u.ID
	}
	return v, v != ""
}

package oauth

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/consent"
	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/store"
	"github.com/gatehouse-id/gatehouse/internal/token"
)

// Device authorization (RFC 8628) settings, as Entra uses them.
const (
	deviceCodeLifetime = 15 * time.Minute
	devicePollInterval = 5
	userCodeAlphabet   = "BCDFGHJKLMNPQRSTVWXZ23456789" // no vowels, no look-alikes
	userCodeLength     = 9
)

// handleDeviceCode serves /oauth2/devicecode and /oauth2/v2.0/devicecode.
func (s *Server) handleDeviceCode(version int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			s.writeJSONError(w, r, newError(405, "invalid_request", 900561, "The endpoint only accepts POST requests. Received a %s request.", r.Method))
			return
		}
		form, oerr := readForm(w, r)
		if oerr != nil {
			s.writeJSONError(w, r, oerr)
			return
		}
		e, oerr := s.resolveEndpoint(r, version)
		if oerr != nil {
			s.writeJSONError(w, r, oerr)
			return
		}
		tr, oerr := s.authenticateClient(r, e, form, true)
		if oerr != nil {
			// Device code clients are usually public: a confidential app
			// without public client flows must send its secret.
			s.writeJSONError(w, r, oerr)
			return
		}
		d := &grant.DeviceCode{Flow: flowOf(e), ClientID: tr.client.AppID, Status: grant.DevicePending,
			Interval: devicePollInterval, ExpiresAt: s.now().Add(deviceCodeLifetime)}
		if version == 2 {
			if d.Scope = form.Get("scope"); d.Scope == "" {
				s.writeJSONError(w, r, errMissingParam("scope"))
				return
			}
			if _, err := token.ParseScope(d.Scope); err != nil {
				s.writeJSONError(w, r, scopeError(err))
				return
			}
		} else {
			d.Resource = form.Get("resource")
		}
		deviceCode := grant.NewSecret()
		d.Hash = grant.Hash(deviceCode)
		var err error
		for range 5 { // user codes are short: retry on the rare collision
			d.UserCode = newUserCode()
			if err = s.grants.CreateDeviceCode(r.Context(), d); !errors.Is(err, store.ErrConflict) {
				break
			}
		}
		if err != nil {
			s.writeJSONError(w, r, errServerError(err))
			return
		}
		verify := s.baseURL(r) + "/devicelogin"
		body := map[string]any{
			"user_code": d.UserCode, "device_code": deviceCode, "verification_uri": verify,
			"expires_in": int(deviceCodeLifetime.Seconds()), "interval": devicePollInterval,
			"message": "To sign in, use a web browser to open the page " + verify + " and enter the code " + d.UserCode + " to authenticate.",
		}
		if version == 1 {
			body["verification_url"] = verify // Entra v1 spelling
			body["expires_in"] = itoa64(int64(deviceCodeLifetime.Seconds()))
			body["interval"] = itoa64(devicePollInterval)
		}
		writeJSON(w, http.StatusOK, body)
	}
}

func newUserCode() string {
	b := make([]byte, userCodeLength)
	rand.Read(b)
	for i := range b {
		b[i] = userCodeAlphabet[int(b[i])%len(userCodeAlphabet)]
	}
	return string(b)
}

// normalizeUserCode accepts codes typed with spaces, dashes or lower case.
func normalizeUserCode(s string) string {
	s = strings.ToUpper(s)
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s)
}

// tokenDeviceCode polls a device code (RFC 8628 §3.4).
func (s *Server) tokenDeviceCode(w http.ResponseWriter, r *http.Request, tr *tokenRequest) *Error {
	code := tr.form.Get("device_code")
	if code == "" {
		code = tr.form.Get("code") // Entra v1 parameter name
	}
	if code == "" {
		return errMissingParam("device_code")
	}
	var pollErr *Error
	d, err := s.grants.UpdateDeviceCode(r.Context(), grant.Hash(code), func(d *grant.DeviceCode) error {
		if d.ClientID != tr.client.AppID || d.Flow.TenantID != tr.e.Tenant.ID {
			pollErr = newError(400, "invalid_grant", 70000, "The provided device code was issued to another client.")
			return pollErr
		}
		now := s.now()
		if d.Status == grant.DevicePending && !d.LastPolledAt.IsZero() && now.Sub(d.LastPolledAt) < time.Duration(d.Interval)*time.Second {
			// RFC 8628 §3.5: a client polling faster than the interval is
			// told to slow down, and the poll costs no write.
			pollErr = newError(400, "slow_down", 70016, "OAuth 2.0 device flow error. Polling too fast: wait %d seconds between requests.", d.Interval)
			return pollErr
		}
		d.LastPolledAt = now
		switch d.Status {
		case grant.DevicePending:
			pollErr = newError(400, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
		case grant.DeviceDenied:
			pollErr = newError(400, "authorization_declined", 70000, "The user declined the sign-in request.")
		case grant.DeviceRedeemed:
			pollErr = newError(400, "invalid_grant", 54005, "The device code was already redeemed.")
		case grant.DeviceApproved:
			d.Status = grant.DeviceRedeemed
			return nil
		}
		return nil // keep LastPolledAt even when pending
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return newError(400, "expired_token", 70019, "Verification code expired.")
	case err != nil && pollErr == nil:
		return errServerError(err)
	case pollErr != nil:
		return pollErr
	}
	resp, oerr := s.issueForUser(r, tr, userGrant{flow: d.Flow, userID: d.UserID, scope: d.Scope,
		resource: d.Resource, authTime: d.AuthTime})
	if oerr != nil {
		return oerr
	}
	s.log.Info("tokens issued", "grant", grantDeviceCode, "client_id", tr.client.AppID, "user", d.UserID)
	writeTokenResponse(w, resp)
	return nil
}

// pendingDevice finds a pending device code by the code the user typed.
func (s *Server) pendingDevice(r *http.Request, userCode string) (*grant.DeviceCode, *Error) {
	var found *grant.DeviceCode
	_, err := s.grants.UpdateDeviceCodeByUserCode(r.Context(), normalizeUserCode(userCode), func(d *grant.DeviceCode) error {
		cp := *d
		found = &cp
		return errReadOnly
	})
	if found == nil || found.Status != grant.DevicePending {
		if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, errReadOnly) {
			return nil, errServerError(err)
		}
		return nil, newError(400, "invalid_request", 70019, "That code didn't work. Check the code and try again, or ask the device for a new one.")
	}
	return found, nil
}

var errReadOnly = errors.New("read only")

// devicePage is the data of the device code pages.
type devicePage struct {
	Title, TenantName, AppName, UserCode, Username, Error, CSRF string
	// Permissions are what the device would get; NeedsAdmin that only an
	// administrator can grant them and this user cannot.
	Permissions      []permissionView
	NeedsAdmin       bool
	CanConsentForOrg bool
}

func (s *Server) handleDevicePage(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "device", devicePage{Title: "Enter code", UserCode: r.URL.Query().Get("otc"), CSRF: s.csrfToken(w, r)})
}

// handleDeviceCodeEntry takes the typed code: with a live session for the
// code's tenant it asks for confirmation, otherwise it shows the sign-in
// form bound to the code.
func (s *Server) handleDeviceCodeEntry(w http.ResponseWriter, r *http.Request) {
	form, oerr := readForm(w, r)
	if oerr != nil {
		s.renderErrorPage(w, r, oerr)
		return
	}
	if !checkCSRF(r, form.Get("csrf_token")) {
		s.renderErrorPage(w, r, newError(400, "invalid_request", 90100, "The form expired or did not come from this site. Open the page again."))
		return
	}
	d, oerr := s.pendingDevice(r, form.Get("user_code"))
	if oerr != nil {
		s.render(w, http.StatusBadRequest, "device", devicePage{Title: "Enter code", UserCode: form.Get("user_code"),
			Error: oerr.Description, CSRF: s.csrfToken(w, r)})
		return
	}
	t, err := s.dir.GetTenant(r.Context(), d.Flow.TenantID)
	if err != nil {
		s.renderErrorPage(w, r, errServerError(err))
		return
	}
	if sess := s.currentSession(r, d.Flow.TenantID); sess != nil {
		if u, err := s.dir.GetUser(r.Context(), sess.TenantID, sess.UserID); err == nil {
			s.confirmDevice(w, r, d, u)
			return
		}
	}
	s.renderSignIn(w, r, signInPage{Action: "/" + d.Flow.TenantSegment + "/login", UserCode: d.UserCode,
		AppName: s.appName(r, d.Flow.TenantID, d.ClientID), TenantName: t.DisplayName})
}

// deviceGrant parses a device code's request as its token poll will.
func (s *Server) deviceGrant(ctx context.Context, d *grant.DeviceCode) (*grantRequest, *Error) {
	app, err := s.dir.GetApplicationByAppID(ctx, d.Flow.TenantID, d.ClientID)
	if err != nil {
		return nil, errClientNotFound(d.ClientID, d.Flow.TenantID)
	}
	return s.parseGrantRequest(ctx, d.Flow.TenantID, d.Flow.Version, d.Scope, d.Resource, app)
}

// confirmDevice shows the confirmation page: the app, the signed-in user
// and every permission the device would get. Signing in never approves a
// device by itself (security review F1).
func (s *Server) confirmDevice(w http.ResponseWriter, r *http.Request, d *grant.DeviceCode, u *directory.User) {
	t, err := s.dir.GetTenant(r.Context(), d.Flow.TenantID)
	if err != nil {
		s.renderErrorPage(w, r, errServerError(err))
		return
	}
	g, oerr := s.deviceGrant(r.Context(), d)
	if oerr != nil {
		s.renderErrorPage(w, r, oerr)
		return
	}
	page := devicePage{Title: "Confirm sign-in", TenantName: t.DisplayName, AppName: g.client.DisplayName, UserCode: d.UserCode,
		Username: u.UserPrincipalName, CSRF: s.csrfToken(w, r)}
	dec, err := s.decide(r.Context(), g, u)
	var req *consent.RequiredError
	switch {
	case errors.As(err, &req):
		admin := s.mayConsentForOrganization(r.Context(), u)
		page.CanConsentForOrg = admin
		for _, p := range req.Missing {
			page.Permissions = append(page.Permissions, permissionView{Permission: p})
			page.NeedsAdmin = page.NeedsAdmin || p.Admin && !admin
		}
	case err != nil:
		s.renderErrorPage(w, r, consentError(err, g.client))
		return
	default:
		for _, p := range grantedPermissions(g, dec) {
			page.Permissions = append(page.Permissions, permissionView{Permission: p, Granted: true})
		}
	}
	s.render(w, http.StatusOK, "device_confirm", page)
}

// handleDeviceConfirm records the signed-in user's decision.
func (s *Server) handleDeviceConfirm(w http.ResponseWriter, r *http.Request) {
	form, oerr := readForm(w, r)
	if oerr != nil {
		s.renderErrorPage(w, r, oerr)
		return
	}
	if !checkCSRF(r, form.Get("csrf_token")) {
		s.renderErrorPage(w, r, newError(400, "invalid_request", 90100, "The form expired or did not come from this site. Open the page again."))
		return
	}
	d, oerr := s.pendingDevice(r, form.Get("user_code"))
	if oerr != nil {
		s.renderErrorPage(w, r, oerr)
		return
	}
	sess := s.currentSession(r, d.Flow.TenantID)
	if sess == nil {
		s.renderErrorPage(w, r, newError(400, "invalid_request", 50058, "You are no longer signed in. Enter the code again."))
		return
	}
	u, err := s.dir.GetUser(r.Context(), sess.TenantID, sess.UserID)
	if err != nil {
		s.renderErrorPage(w, r, errServerError(err))
		return
	}
	approve := form.Get("decision") == "approve"
	if approve {
		g, oerr := s.deviceGrant(r.Context(), d)
		if oerr != nil {
			s.renderErrorPage(w, r, oerr)
			return
		}
		if oerr := s.recordConsent(r, g, u, form.Get("on_behalf_of_org") == "1"); oerr != nil {
			s.renderErrorPage(w, r, oerr)
			return
		}
		if _, err := s.decide(r.Context(), g, u); err != nil {
			s.renderErrorPage(w, r, consentError(err, g.client))
			return
		}
	}
	s.decideDevice(w, r, d.UserCode, u, sess, approve)
}

// decideDevice approves or denies a pending device code for a user.
func (s *Server) decideDevice(w http.ResponseWriter, r *http.Request, userCode string, u *directory.User, sess *grant.Session, approve bool) {
	_, err := s.grants.UpdateDeviceCodeByUserCode(r.Context(), userCode, func(d *grant.DeviceCode) error {
		if d.Status != grant.DevicePending || d.Flow.TenantID != u.TenantID {
			return errReadOnly
		}
		if approve {
			d.Status, d.UserID, d.AuthTime = grant.DeviceApproved, u.ID, sess.AuthTime
		} else {
			d.Status = grant.DeviceDenied
		}
		return nil
	})
	if err != nil {
		s.renderErrorPage(w, r, newError(400, "invalid_request", 70019, "That code expired or was already used. Ask the device for a new one."))
		return
	}
	msg := "You have signed in to the application on your device. You may now close this window."
	title := "You're signed in"
	if !approve {
		title, msg = "Sign-in cancelled", "The device was not signed in. You may now close this window."
	}
	s.log.Info("device code decided", "tenant", u.TenantID, "user", u.ID, "approved", approve)
	s.render(w, http.StatusOK, "message", messagePage{Title: title, Message: msg})
}

package admin

import (
	"net/http"

	"github.com/gatehouse-id/gatehouse/internal/store"
	"github.com/gatehouse-id/gatehouse/internal/token"
)

// The tenant overview and the tenant's audit log.

type overviewPage struct {
	Layout
	Users, Groups, Apps, SPs int
	IssuerV1, IssuerV2       string
	Recent                   []*store.AuditRecord
}

func (s *Server) overview(w http.ResponseWriter, r *http.Request, p *principal) {
	st := s.reg.Reader()
	ctx := r.Context()
	pg := &overviewPage{Layout: s.layout(r, p, "Overview", "overview"),
		IssuerV1: token.Issuer(s.cfg.LoginBaseURL, p.Tenant.ID, 1), IssuerV2: token.Issuer(s.cfg.LoginBaseURL, p.Tenant.ID, 2)}
	users, err := st.ListUsers(ctx, p.Tenant.ID)
	if err == nil {
		pg.Users = len(users)
		groups, err2 := st.ListGroups(ctx, p.Tenant.ID)
		apps, err3 := st.ListApplications(ctx, p.Tenant.ID)
		sps, err4 := st.ListServicePrincipals(ctx, p.Tenant.ID)
		pg.Groups, pg.Apps, pg.SPs = len(groups), len(apps), len(sps)
		err = firstErr(err2, err3, err4)
	}
	if err == nil {
		pg.Recent, err = s.st.ListAuditRecords(ctx, p.Tenant.ID, "", 10)
	}
	if err != nil {
		s.serverError(w, r, p, "load overview", err)
		return
	}
	s.render(w, http.StatusOK, "overview", pg)
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

type auditPage struct {
	Layout
	Records []*store.AuditRecord
}

func (s *Server) tenantAudit(w http.ResponseWriter, r *http.Request, p *principal) {
	recs, err := s.st.ListAuditRecords(r.Context(), p.Tenant.ID, "", 500)
	if err != nil {
		s.serverError(w, r, p, "list audit records", err)
		return
	}
	s.render(w, http.StatusOK, "audit", &auditPage{Layout: s.layout(r, p, "Audit logs", "audit"), Records: recs})
}

package doctor

import (
	"context"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/inspect"
)

// Run checks the whole chain and reports every check. The error is only
// for an invalid Config; everything found is in the Report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.setDefaults()
	d := &doctor{cfg: cfg, now: cfg.Now()}
	rep := &Report{Issuer: cfg.Issuer, ClientID: cfg.ClientID}
	for _, step := range []func(context.Context) []Check{
		d.checkDiscovery,
		d.checkGraphAccess,
		d.checkRedirectURI,
		d.checkToken,
		d.checkTokenValid,
		d.checkClaims,
		d.checkLifetime,
		d.checkKubeAuthn,
	} {
		rep.Checks = append(rep.Checks, step(ctx)...)
	}
	return rep, nil
}

// doctor carries what earlier checks learnt to later ones.
type doctor struct {
	cfg Config
	now time.Time

	discovery *inspect.Discovery

	graph    *graphClient // nil when Graph cannot be used
	graphWhy string       // why graph is nil, for skipped checks

	app    *application // the app registration, read through Graph
	appErr error

	token    *inspect.Token // the token under examination
	tokenRaw string
	tokenWhy string // why there is no token

	// Graph reads shared by the claim checks.
	claimsLoaded bool
	claimsPols   []graphPolicy
	claimsErr    error
	extLoaded    bool
	extensions   []extensionProperty
	extErr       error
}

// loadApp reads the app registration once.
func (d *doctor) loadApp(ctx context.Context) (*application, error) {
	if d.app != nil || d.appErr != nil {
		return d.app, d.appErr
	}
	var a application
	if err := d.graph.get(ctx, appPath(d.cfg.ClientID), &a); err != nil {
		d.appErr = err
		return nil, err
	}
	d.app = &a
	return d.app, nil
}

// appRef is how fixes address the app in Graph URLs: its object id when
// known, else the appId key form, which Graph accepts too.
func (d *doctor) appRef() string {
	if d.app != nil {
		return "applications/" + d.app.ID
	}
	return appPath(d.cfg.ClientID)
}

func (d *doctor) graphV1() string { return d.cfg.GraphURL + "/v1.0" }

package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/admin"
	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

const adminUsage = "usage: gatehouse admin create --tenant DOMAIN|ID --upn USER@DOMAIN --display-name NAME [--data DIR] [--password-stdin] [--admin-url URL]"

func runAdmin(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New(adminUsage)
	}
	return runAdminCreate(ctx, args[1:], os.Stdin, os.Stdout)
}

// runAdminCreate creates a Global Administrator, the first user who can
// sign in to the admin centre of a `serve` installation. A tenant named by
// a domain that does not exist yet is created, and the admin centre's app
// registration is ensured in it.
func runAdminCreate(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	var c commonFlags
	c.register(fs, "./gatehouse-data")
	tenant := fs.String("tenant", "", "the tenant: its domain (created when missing) or its id")
	tenantName := fs.String("tenant-name", "", "display name of a tenant this creates (default: the domain)")
	upn := fs.String("upn", "", "the administrator's user principal name, in the tenant's domain")
	displayName := fs.String("display-name", "", "the administrator's display name")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input (default: generate one and print it once)")
	adminURL := fs.String("admin-url", "", "the admin centre's public base URL, registered as its redirect URI (e.g. https://admin.example.com)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var problems []string
	if *tenant == "" {
		problems = append(problems, "--tenant is required")
	}
	if *upn == "" {
		problems = append(problems, "--upn is required")
	}
	if *displayName == "" {
		problems = append(problems, "--display-name is required")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s\n%s", strings.Join(problems, "; "), adminUsage)
	}
	password := ""
	if *passwordStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read the password from standard input: %w", err)
		}
		if password = strings.TrimRight(line, "\r\n"); password == "" {
			return errors.New("--password-stdin: standard input has no password")
		}
		if err := directory.ValidatePassword(password); err != nil {
			return err
		}
	}
	log, err := c.logger()
	if err != nil {
		return err
	}
	clock := c.clock()
	st, _, err := openStore(ctx, c.data, clock, log)
	if err != nil {
		return err
	}
	defer st.Close()
	reg := registry.New(st, clock, registry.WithLogger(log))

	t, err := reg.ResolveTenant(ctx, *tenant)
	switch {
	case errors.Is(err, store.ErrNotFound) && !directory.IsGUID(*tenant):
		name := *tenantName
		if name == "" {
			name = *tenant
		}
		if t, err = reg.CreateTenant(ctx, registry.System("", "command line"), registry.TenantSpec{DisplayName: name, InitialDomain: *tenant}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Created tenant %s (%s), id %s\n", t.DisplayName, t.InitialDomain, t.ID)
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("there is no tenant with id %s (name a domain to create one)", *tenant)
	case err != nil:
		return err
	}
	var bases []string
	if *adminURL != "" {
		bases = append(bases, strings.TrimRight(*adminURL, "/"))
	}
	if _, err := devenv.EnsureAdminCentre(ctx, reg, t.ID, bases); err != nil {
		return err
	}
	generated := password == ""
	if generated {
		password = admin.GeneratePassword()
	}
	u, err := reg.CreateUser(ctx, registry.System(t.ID, "command line"), registry.UserSpec{UserPrincipalName: *upn, DisplayName: *displayName, Password: password,
		DirectoryRoles: []string{directory.RoleGlobalAdministrator}})
	var uniq *registry.UniquenessError
	if errors.As(err, &uniq) {
		return fmt.Errorf("a user %s already exists in tenant %s", *upn, t.InitialDomain)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Created Global Administrator %s (object id %s) in tenant %s (%s)\n", u.UserPrincipalName, u.ID, t.DisplayName, t.ID)
	if generated {
		fmt.Fprintf(stdout, "Password (shown once): %s\n", password)
	}
	if *adminURL != "" {
		fmt.Fprintf(stdout, "Sign in at %s/signin?tenant=%s\n", strings.TrimRight(*adminURL, "/"), t.InitialDomain)
	}
	return nil
}

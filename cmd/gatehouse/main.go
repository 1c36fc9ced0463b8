// Command gatehouse is an Entra ID-compatible identity provider, a cluster
// portal and the tooling around them, in one binary. This package only
// parses flags and wires the parts together; see internal/.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `gatehouse: an Entra ID-compatible identity provider for Kubernetes sign-in

Usage:
  gatehouse dev     [flags]   start everything with demo data on the embedded store
  gatehouse serve   [flags]   run the identity provider from a config file or flags
  gatehouse portal  [flags]   the cluster portal: sign in at any OIDC issuer, browse the cluster as yourself
  gatehouse keys rotate       publish a new signing key and promote the next one
  gatehouse admin create      create a Global Administrator (and the tenant, when new) for the admin centre
  gatehouse kube-authn-config the API server's AuthenticationConfiguration (or EKS arguments, or --oidc-* flags)
  gatehouse kubeconfig        a kubeconfig user signing in through kubelogin
  gatehouse bench   [flags]   load-test the token endpoint on loopback
  gatehouse token inspect [TOKEN]  decode a token and check signature, lifetime, audience (instead of jwt.io)
  gatehouse doctor  [flags]   check the whole sign-in chain (Entra or Gatehouse) and say what to fix
  gatehouse version           print the version

Run "gatehouse <command> -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("no command given")
	}
	switch args[0] {
	case "dev":
		return runDev(ctx, args[1:])
	case "serve":
		return runServe(ctx, args[1:])
	case "portal":
		return runPortal(ctx, args[1:])
	case "keys":
		return runKeys(ctx, args[1:])
	case "admin":
		return runAdmin(ctx, args[1:])
	case "bench":
		return runBench(ctx, args[1:])
	case "token":
		return runToken(ctx, args[1:])
	case "doctor":
		return runDoctor(ctx, args[1:])
	case "kube-authn-config":
		return runKubeAuthnConfig(ctx, args[1:])
	case "kubeconfig":
		return runKubeconfig(ctx, args[1:])
	case "version", "--version", "-version":
		return runVersion()
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	default:
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}

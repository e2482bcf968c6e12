package main

import (
	"context"
	"fmt"
	"text/tabwriter"
)

func cmdAPIKeys(ctx context.Context, a *cli, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: want a subcommand: create, list, revoke", errUsage)
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "create":
		fs := newFlags(a, "apikeys create", "NAME [--read-only]", "Make an API key for /api/v1. The key is printed once, alone on the last line; only its hash is kept.")
		a.configFlagVar(fs)
		readOnly := fs.Bool("read-only", false, "the key may only read (GET)")
		names, err := parseFlags(fs, rest)
		if err != nil {
			return err
		}
		if len(names) != 1 {
			return fmt.Errorf("%w: want one NAME", errUsage)
		}
		svc, err := a.service(ctx)
		if err != nil {
			return err
		}
		key, k, err := svc.CreateAPIKey(ctx, names[0], *readOnly)
		if err != nil {
			return err
		}
		scope := "read-write"
		if k.ReadOnly {
			scope = "read-only"
		}
		fmt.Fprintf(a.stdout, "created %s API key %q; it is shown this once:\n%s\n", scope, k.Name, key)
		return nil
	case "list":
		fs := newFlags(a, "apikeys list", "", "List API keys: name, scope, when made, last used and revoked.")
		a.configFlagVar(fs)
		if _, err := parseFlags(fs, rest); err != nil {
			return err
		}
		svc, err := a.service(ctx)
		if err != nil {
			return err
		}
		keys, err := svc.APIKeys(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSCOPE\tCREATED\tLAST USED\tREVOKED")
		for _, k := range keys {
			scope := "read-write"
			if k.ReadOnly {
				scope = "read-only"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.Name, scope, stampOrDash(k.CreatedAt.Format("2006-01-02 15:04"), k.CreatedAt.IsZero()),
				stampOrDash(k.LastUsedAt.Format("2006-01-02 15:04"), k.LastUsedAt.IsZero()), stampOrDash(k.RevokedAt.Format("2006-01-02 15:04"), k.RevokedAt.IsZero()))
		}
		return tw.Flush()
	case "revoke":
		fs := newFlags(a, "apikeys revoke", "NAME", "Revoke an API key at once; its name stays taken.")
		a.configFlagVar(fs)
		names, err := parseFlags(fs, rest)
		if err != nil {
			return err
		}
		if len(names) != 1 {
			return fmt.Errorf("%w: want one NAME", errUsage)
		}
		svc, err := a.service(ctx)
		if err != nil {
			return err
		}
		if err := svc.RevokeAPIKey(ctx, names[0]); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "revoked %s\n", names[0])
		return nil
	case "-h", "--help", "help":
		fmt.Fprintln(a.stderr, "Usage: feedwatch apikeys create|list|revoke [flags]  (feedwatch apikeys SUBCOMMAND --help)")
		return nil
	}
	return fmt.Errorf("%w: unknown subcommand %q (want create, list, revoke)", errUsage, sub)
}

func stampOrDash(s string, zero bool) string {
	if zero {
		return "-"
	}
	return s
}

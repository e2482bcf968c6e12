package main

import (
	"context"
	"fmt"

	"gopkg.in/yaml.v3"
)

func cmdConfig(ctx context.Context, a *cli, args []string) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprintln(a.stderr, "Usage: feedwatch config check [flags]  (feedwatch config check --help)")
		return nil
	}
	if len(args) == 0 || args[0] != "check" {
		return fmt.Errorf("%w: want: config check", errUsage)
	}
	fs := newFlags(a, "config check", "[--config F]", "Validate the configuration, the topics file and the templates, and print the\neffective settings (secrets are never in them: only the names of the variables\nthat hold them).")
	a.configFlagVar(fs)
	if _, err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	if err := cfg.CheckAdmin(a.environ); err != nil {
		return err
	}
	set, err := a.loadTopics("")
	if err != nil {
		return err
	}
	if _, err := a.renderer(); err != nil {
		return err
	}
	src := cfg.Path
	if src == "" {
		src = "(built-in defaults)"
	}
	fmt.Fprintf(a.stdout, "# configuration: %s\n# topics: %d, templates: ok\n", src, len(set.Topics()))
	b, err := yaml.Marshal(cfg.Masked())
	if err != nil {
		return err
	}
	_, err = a.stdout.Write(b)
	return err
}

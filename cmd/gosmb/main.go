// Command gosmb is the userspace SMB3 client: file commands that need no
// mount (ls, get, put) and, invoked as mount.gosmb, the mount(8) helper.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"
)

var version = "dev"

func main() {
	os.Exit(run(os.Args))
}

func run(args []string) int {
	if b := filepath.Base(args[0]); b == "mount.gosmb" || b == "mount.fuse.gosmb" {
		return runMountHelper(args)
	}
	app := newApp()
	if err := app.Run(hoistOptions(args)); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %s\n", filepath.Base(args[0]), describe(err))
		var ec cli.ExitCoder
		if errors.As(err, &ec) && ec.ExitCode() != 0 {
			return ec.ExitCode()
		}
		return 1
	}
	return 0
}

func newApp() *cli.App {
	return &cli.App{
		Name:    "gosmb",
		Usage:   "userspace SMB 3.1.1 client",
		Version: version,
		Description: `gosmb talks SMB2/SMB3 to Samba, ksmbd, Windows and NAS servers.
Options use mount.cifs(8) names and are given with -o as a comma-separated list,
for example: -o username=alice,port=4455,vers=3.1.1,seal
The password comes from password=, a credentials= file, or the PASSWD
environment variable, in that order.`,
		HideHelpCommand: true,
		Commands: []*cli.Command{
			lsCommand(),
			getCommand(),
			putCommand(),
			mountCommand(),
			umountCommand(),
			statsCommand(),
			infoCommand(),
			keysCommand(),
			traceCommand(),
			debugdataCommand(),
		},
		ExitErrHandler: func(*cli.Context, error) {},
	}
}

var optFlag = &cli.StringSliceFlag{
	Name:    "options",
	Aliases: []string{"o"},
	Usage:   "mount.cifs-style `OPTIONS`: username=,password=,domain=,credentials=,port=,vers=,sec=,sign,seal,...",
}

func background() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

// hoistOptions moves -o/--options flags that follow positional arguments
// (mount.cifs style: "ls //srv/share -o user=x") to just after the
// subcommand, where the CLI parser looks for flags.
func hoistOptions(args []string) []string {
	if len(args) < 3 {
		return args
	}
	head := []string{args[0], args[1]}
	var flags, rest []string
	for i := 2; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			rest = append(rest, args[i:]...)
			i = len(args)
		case (a == "-o" || a == "--options") && i+1 < len(args):
			flags = append(flags, a, args[i+1])
			i++
		case strings.HasPrefix(a, "-o") && len(a) > 2 && !strings.HasPrefix(a, "--"):
			flags = append(flags, "-o", a[2:])
		case strings.HasPrefix(a, "--options="):
			flags = append(flags, a)
		default:
			rest = append(rest, a)
		}
	}
	return append(append(head, flags...), rest...)
}

// newFlagSet builds the flag set a cli.Context needs to hand -o options to
// parseTarget outside the CLI parser (the mount daemon).
func newFlagSet(opts string) *flag.FlagSet {
	set := flag.NewFlagSet("mount", flag.ContinueOnError)
	v := cli.NewStringSlice()
	if opts != "" {
		v = cli.NewStringSlice(opts)
	}
	set.Var(v, "options", "")
	return set
}

// Command gosmb is the userspace SMB3 client: file commands that need no
// mount (ls, get, put) and, invoked as mount.gosmb, the mount(8) helper.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"
)

var version = "dev"

func main() {
	os.Exit(run(os.Args))
}

func run(args []string) int {
	app := newApp()
	if err := app.Run(args); err != nil {
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

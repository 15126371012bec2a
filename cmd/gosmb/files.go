package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/gosmb/gosmb/smb"
	"github.com/gosmb/gosmb/smb/wire"
)

func lsCommand() *cli.Command {
	return &cli.Command{
		Name:      "ls",
		Usage:     "list a directory of a share without mounting it",
		ArgsUsage: "//HOST/SHARE[/DIR]",
		Flags:     []cli.Flag{optFlag},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return cli.Exit("usage: gosmb ls //HOST/SHARE[/DIR] -o OPTIONS", 2)
			}
			return withShare(c, c.Args().First(), "", list)
		},
	}
}

func list(ctx context.Context, t *target, sh *smb.Share) error {
	entries, err := sh.Tree.ReadDir(ctx, t.unc.Path)
	if err != nil {
		return &shareError{t: t, path: t.unc.Path, err: err}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, e := range entries {
		kind := "-"
		if e.IsDir() {
			kind = "d"
		}
		fmt.Fprintf(w, "%s\t%d\t %s\t %s\n", kind, e.Size, e.Mtime.Local().Format("2006-01-02 15:04"), e.Name)
	}
	return w.Flush()
}

// withShare parses the share argument, connects, runs f and disconnects.
// A command that needs a file path names itself in needPath.
func withShare(c *cli.Context, uncArg, needPath string, f func(ctx context.Context, t *target, sh *smb.Share) error) error {
	t, err := parseTarget(c, uncArg)
	if err != nil {
		return err
	}
	if needPath != "" && t.unc.Path == "" {
		return fmt.Errorf("%s needs a file path after the share: //HOST/SHARE/PATH", needPath)
	}
	ctx, cancel := background()
	defer cancel()
	sh, err := t.dial(ctx)
	if err != nil {
		return err
	}
	defer sh.Close(context.Background())
	return f(ctx, t, sh)
}

func getCommand() *cli.Command {
	return &cli.Command{
		Name:      "get",
		Usage:     "copy a file from a share to a local file (- for standard output)",
		ArgsUsage: "//HOST/SHARE/PATH LOCAL",
		Flags:     []cli.Flag{optFlag},
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return cli.Exit("usage: gosmb get //HOST/SHARE/PATH LOCAL -o OPTIONS", 2)
			}
			return withShare(c, c.Args().Get(0), "get", func(ctx context.Context, t *target, sh *smb.Share) error {
				return get(ctx, t, sh, c.Args().Get(1))
			})
		},
	}
}

func get(ctx context.Context, t *target, sh *smb.Share, local string) error {
	f, err := sh.Tree.Open(ctx, t.unc.Path)
	if err != nil {
		return &shareError{t: t, path: t.unc.Path, err: err}
	}
	defer f.Close(context.Background())
	var out io.Writer = os.Stdout
	var lf *os.File
	if local != "-" {
		if st, err := os.Stat(local); err == nil && st.IsDir() {
			local = path.Join(local, path.Base(t.unc.Path))
		}
		lf, err = os.Create(local)
		if err != nil {
			return err
		}
		out = lf
	}
	size := int64(f.Create.EndOfFile)
	if _, err := copyFromRemote(ctx, out, f, size); err != nil {
		if lf != nil {
			lf.Close()
		}
		return &shareError{t: t, path: t.unc.Path, err: err}
	}
	if lf != nil {
		return lf.Close()
	}
	return nil
}

// copyBlock is the unit of get/put: several READs or WRITEs of the
// negotiated size are in flight within one block.
const copyBlock = 32 << 20

func copyFromRemote(ctx context.Context, w io.Writer, f *smb.File, size int64) (int64, error) {
	buf := make([]byte, copyBlock)
	var off int64
	for off < size {
		n := int(min(int64(len(buf)), size-off))
		got, err := f.ReadAt(ctx, buf[:n], off)
		if got > 0 {
			if _, werr := w.Write(buf[:got]); werr != nil {
				return off, werr
			}
			off += int64(got)
		}
		if err == io.EOF {
			return off, nil
		}
		if err != nil {
			return off, err
		}
	}
	return off, nil
}

func putCommand() *cli.Command {
	return &cli.Command{
		Name:      "put",
		Usage:     "copy a local file (- for standard input) to a share",
		ArgsUsage: "LOCAL //HOST/SHARE/PATH",
		Flags:     []cli.Flag{optFlag},
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return cli.Exit("usage: gosmb put LOCAL //HOST/SHARE/PATH -o OPTIONS", 2)
			}
			var in io.Reader = os.Stdin
			if l := c.Args().Get(0); l != "-" {
				lf, err := os.Open(l)
				if err != nil {
					return err
				}
				defer lf.Close()
				in = lf
			}
			return withShare(c, c.Args().Get(1), "put", func(ctx context.Context, t *target, sh *smb.Share) error {
				return put(ctx, t, sh, in)
			})
		},
	}
}

func put(ctx context.Context, t *target, sh *smb.Share, in io.Reader) error {
	f, err := sh.Tree.Create(ctx, t.unc.Path, wire.CreateRequest{
		DesiredAccess:     wire.GenericWrite | wire.GenericRead,
		ShareAccess:       wire.ShareRead,
		CreateDisposition: wire.FileOverwriteIf,
		CreateOptions:     wire.FileNonDirectoryFile,
	})
	if err != nil {
		return &shareError{t: t, path: t.unc.Path, err: err}
	}
	if _, err := copyToRemote(ctx, f, in); err != nil {
		f.Close(context.Background())
		return &shareError{t: t, path: t.unc.Path, err: err}
	}
	if _, err := f.Close(ctx); err != nil {
		return &shareError{t: t, path: t.unc.Path, err: err}
	}
	return nil
}

func copyToRemote(ctx context.Context, f *smb.File, r io.Reader) (int64, error) {
	buf := make([]byte, copyBlock)
	var off int64
	for {
		n, rerr := io.ReadFull(r, buf)
		if n > 0 {
			if _, err := f.WriteAt(ctx, buf[:n], off); err != nil {
				return off, err
			}
			off += int64(n)
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			return off, nil
		}
		if rerr != nil {
			return off, rerr
		}
	}
}

// Command sselimit-release cuts a release of every module of the
// repository at one version.
//
//	sselimit-release [-C dir] [-push remote] vX.Y.Z
//	sselimit-release [-C dir] -published
//
// It refuses to start when a go.mod requires another module of the
// repository at the placeholder version, when the go.mod files require
// each other at different versions, when the working tree has uncommitted
// changes, or when a tag of that version exists. Otherwise it points every
// such require at vX.Y.Z and commits that, if anything changed, then tags
// each published module at that commit (core/vX.Y.Z, gin/vX.Y.Z, …). With
// -push it pushes the commit and then the tags to remote one at a time, a
// module only after every module it requires; without it, it prints the
// commands that do so.
//
// With -published it prints the directories of the published modules, in
// that order, and does nothing else.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/sselimit/sselimit/release"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sselimit-release:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("sselimit-release", flag.ContinueOnError)
	root := flags.String("C", ".", "the repository's root directory")
	remote := flags.String("push", "", "push the release commit and tags to this remote")
	list := flags.Bool("published", false, "print the published modules' directories and exit")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *list {
		return printPublished(*root, stdout)
	}
	if flags.NArg() != 1 {
		return errors.New("usage: sselimit-release [-C dir] [-push remote] vX.Y.Z, or sselimit-release [-C dir] -published")
	}
	r := releaser{root: *root, version: flags.Arg(0), out: stdout}
	if err := r.check(); err != nil {
		return fmt.Errorf("refusing to release %s:\n%w", r.version, err)
	}
	if err := r.bump(); err != nil {
		return err
	}
	if err := r.tag(); err != nil {
		return err
	}
	return r.push(*remote)
}

func printPublished(root string, stdout io.Writer) error {
	mods, err := release.Load(root)
	if err != nil {
		return err
	}
	for _, m := range mods {
		if m.Published {
			fmt.Fprintln(stdout, m.Dir)
		}
	}
	return nil
}

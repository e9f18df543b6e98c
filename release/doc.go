// Package release reads, checks, bumps and packs the modules of this
// repository for a release.
//
// Every module is released under one version and tagged per module
// (core/v0.1.0, gin/v0.1.0, …). A module that depends on another module of
// the repository requires it at that version in its go.mod, never at the
// placeholder version the go command writes for a module it cannot resolve:
// replace directives are ignored in a user's build, so the require line is
// what a user gets. The command sselimit-release cuts a release; this
// package's tests prove that someone outside the repository can fetch the
// modules at the release version, build a program on them, and serve a
// stream.
package release
